import { THEN } from "../tmux/client";
import { EXIT_HOOK_NAME, exitCauseHook } from "../tmux/exit-hook";

export const SESSION_COLUMNS = 220;
export const SESSION_ROWS = 50;

export interface NewSessionInput {
  identity: string;
  cwd: string;
  argv: readonly string[];
  env: Record<string, string>;
  /** With an exits log the exit-cause hook is installed; without one, a plain session. */
  exitsLog?: string;
}

/**
 * The tmux argv that starts a session's server and the session. The exit-cause hook and
 * remain-on-exit are set on this server before new-session, in the same invocation, so even a
 * process that dies in its first millisecond leaves a cause. `-f /dev/null` keeps a user's
 * tmux.conf from changing how iapeer's servers behave.
 */
export function newSessionArgs(
  input: NewSessionInput,
  withHook = input.exitsLog !== undefined,
): string[] {
  const hook =
    withHook && input.exitsLog !== undefined
      ? [
          "set-option",
          "-g",
          "remain-on-exit",
          "on",
          THEN,
          "set-hook",
          "-g",
          EXIT_HOOK_NAME,
          exitCauseHook(input.identity, input.exitsLog),
          THEN,
        ]
      : [];
  const env = Object.entries(input.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  return [
    "-f",
    "/dev/null",
    "start-server",
    THEN,
    ...hook,
    "new-session",
    "-d",
    "-s",
    input.identity,
    "-x",
    String(SESSION_COLUMNS),
    "-y",
    String(SESSION_ROWS),
    "-c",
    input.cwd,
    ...env,
    "--",
    ...input.argv,
  ];
}
