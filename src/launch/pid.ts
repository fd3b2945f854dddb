import { readFileSync } from "node:fs";

/**
 * Whether a process exists: signal 0 checks without touching it (EPERM means it exists). A
 * zombie is dead: a killed tmux server whose parent has not reaped it still answers signal 0.
 */
export function pidAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return processState(pid) !== "Z";
}

/** The one-letter state from /proc/<pid>/stat (Linux); undefined elsewhere. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may itself contain ") ".
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}
