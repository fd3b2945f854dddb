import { existsSync, readFileSync } from "node:fs";
import type { Layout } from "../core/paths";
import { sameProcess } from "../launch/pid";

/** What a running daemon writes to run/daemon.json. */
export interface DaemonInfo {
  pid: number;
  socket: string;
  port: number;
  version: string;
  /** The commit its binary was built from (`source` from source); absent in older daemons. */
  commit?: string;
  startedAt: string;
  /** Tells this daemon from a later process that reuses its pid. */
  token?: string;
  /** The IAPEER_* settings it was started with (secrets as digests): see daemon/settings. */
  settings?: Record<string, string>;
}

/** The running daemon, or undefined when none is (a file left by a dead one does not count). */
export function runningDaemon(layout: Layout): DaemonInfo | undefined {
  if (!existsSync(layout.daemonInfo)) return undefined;
  try {
    const info = JSON.parse(readFileSync(layout.daemonInfo, "utf8")) as DaemonInfo;
    return sameProcess(info.pid, info.token) ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Whether that daemon's process still runs; exited but not yet reaped (a zombie) is gone. */
export function daemonRuns(info: DaemonInfo): boolean {
  return sameProcess(info.pid, info.token);
}
