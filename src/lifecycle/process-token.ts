import { readFileSync } from "node:fs";
import { pidAlive } from "../launch/pid";

/**
 * A token that tells one process from a later one that reuses its pid: the start time in clock
 * ticks from /proc/<pid>/stat on Linux. Elsewhere there is none and the pid alone is trusted;
 * on macOS pids are not reused for a long while.
 */
export function processToken(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the ")" that closes the command name: state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
  } catch {
    return undefined;
  }
}

/** The same process as when its token was taken: alive, and not a newer owner of the pid. */
export function sameProcess(pid: number | undefined, token: string | undefined): boolean {
  if (!pid || !pidAlive(pid)) return false;
  return token === undefined || token === processToken(pid);
}
