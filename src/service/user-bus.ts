import type { CommandResult } from "./runner";

/**
 * systemctl --user with no user manager to talk to (no login session: a container, an ssh
 * session without lingering, su) says "Failed to connect to bus: No medium found"; what it needs
 * is a user session, or no service manager at all. Said the same by doctor and by `service`.
 */
const NO_USER_BUS = /Failed to connect|No medium|not been booted/i;

export const USER_BUS_FIX =
  "log in with a systemd user session, or set IAPEER_SERVICE_MANAGER=none";

/** Whether systemctl's answer says it reached no user manager. */
export function reachedNoUserManager(res: Pick<CommandResult, "stdout" | "stderr">): boolean {
  return res.stdout.trim() === "offline" || NO_USER_BUS.test(res.stderr);
}

const firstLine = (text: string) => text.trim().split("\n")[0] ?? "";

/** What systemctl reached no user manager looks like, in one line without the fix. */
export function noUserManager(res: Pick<CommandResult, "stdout" | "stderr">): string {
  return `systemctl --user cannot reach a user manager (${firstLine(res.stderr || res.stdout)})`;
}

/** A failed systemctl call in one line: the missing user manager with its fix, or its words. */
export function systemctlFailure(argv: readonly string[], res: CommandResult): string {
  if (reachedNoUserManager(res)) return `${noUserManager(res)}: ${USER_BUS_FIX}`;
  return `${argv.join(" ")} failed (exit ${res.code}): ${firstLine(res.stderr)}`;
}
