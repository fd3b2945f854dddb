import type { EventSink } from "../store/journal";
import { describeExit, readExits, type SessionExit } from "../tmux/exits";
import { pidAlive } from "./pid";

/** What is known about a session while it lives: enough to explain its death later. */
export interface SessionRecord {
  identity: string;
  serverPid: number;
  panePid: number;
  /** ISO time the session was started. */
  startedAt: string;
}

export type Death =
  | { class: "exited"; status: number; ts: string }
  | { class: "signaled"; signal: string; ts: string }
  /** The tmux server itself was killed (SIGKILL): no hook could run. */
  | { class: "server-dead"; serverPid: number; uptimeS: number }
  /** Gone, with its server still running and no hook line: someone killed the session. */
  | { class: "unknown" };

/** The hook writes whole seconds; a death in the start's own second still belongs to it. */
function sameOrLater(ts: string, startedAt: string): boolean {
  return Date.parse(ts) >= Math.floor(Date.parse(startedAt) / 1000) * 1000;
}

export function exitOf(
  record: Pick<SessionRecord, "identity" | "startedAt">,
  exits: SessionExit[],
): SessionExit | undefined {
  for (let i = exits.length - 1; i >= 0; i--) {
    const exit = exits[i] as SessionExit;
    if (exit.identity === record.identity && sameOrLater(exit.ts, record.startedAt)) return exit;
  }
  return undefined;
}

/** Classify the death of a session that is known to be gone. */
export function classifyDeath(record: SessionRecord, exitsLog: string, now = new Date()): Death {
  const exit = exitOf(record, readExits(exitsLog));
  if (exit?.signal) return { class: "signaled", signal: exit.signal, ts: exit.ts };
  if (exit?.status !== undefined) return { class: "exited", status: exit.status, ts: exit.ts };
  if (record.serverPid > 0 && !pidAlive(record.serverPid)) {
    const uptimeS = Math.max(0, Math.round((now.getTime() - Date.parse(record.startedAt)) / 1000));
    return { class: "server-dead", serverPid: record.serverPid, uptimeS };
  }
  return { class: "unknown" };
}

/** The death a hook could not record goes to lifecycle.log as `session-lost`. */
export function logSessionLost(events: EventSink, record: SessionRecord, death: Death): void {
  if (death.class !== "server-dead" && death.class !== "unknown") return;
  events.write("session-lost", {
    identity: record.identity,
    class: death.class,
    server_pid: record.serverPid,
    ...(death.class === "server-dead" && { uptime_s: death.uptimeS }),
    pane_pid: record.panePid,
  });
}

export function describeDeath(death: Death): string {
  switch (death.class) {
    case "exited":
    case "signaled":
      return describeExit(death);
    case "server-dead":
      return `its tmux server (pid ${death.serverPid}) died after ${death.uptimeS}s`;
    case "unknown":
      return "its session was killed outside iapeer";
  }
}
