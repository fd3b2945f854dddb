import { readFileSync } from "node:fs";

/**
 * What /proc/<pid>/stat says of a process (Linux): its one-letter state and its start time in
 * clock ticks. Read once per check; undefined where there is no /proc.
 */
function procStat(
  pid: number,
): { state: string; startTicks: string; exitCode?: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the ")" that closes the command name (which may itself contain ") "):
    // state is field 3, starttime field 22, exit_code (a zombie's wait status) field 52.
    const fields = stat
      .slice(stat.lastIndexOf(")") + 2)
      .trim()
      .split(" ");
    const exitCode = Number(fields[49]);
    return {
      state: fields[0] ?? "",
      startTicks: fields[19] ?? "",
      ...(fields[49] !== undefined && Number.isInteger(exitCode) && { exitCode }),
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Gone, or no /proc here: nothing to say. Anything else (out of file descriptors, say) is
    // not an answer about the process, and must never be taken for its death.
    return code === "ENOENT" || code === "ESRCH" || code === "ENOTDIR" ? undefined : UNREADABLE;
  }
}

/** /proc could not be read just now: the process's state is unknown, not "gone". */
const UNREADABLE = { state: "?", startTicks: "?" } as const;

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether a process exists: signal 0 checks without touching it (EPERM means it exists). A
 * zombie is dead: a killed tmux server whose parent has not reaped it still answers signal 0.
 */
export function pidAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0 || !signalable(pid)) return false;
  return procStat(pid)?.state !== "Z";
}

/**
 * A token that tells one process from a later one that reuses its pid: its start time. Where
 * there is no /proc there is none and the pid alone is trusted; macOS does not reuse pids soon.
 */
export function processToken(pid: number): string | undefined {
  const stat = procStat(pid);
  return stat === UNREADABLE ? undefined : stat?.startTicks;
}

/** The same process as when its token was taken: alive, and not a newer owner of the pid. */
export function sameProcess(pid: number | undefined, token: string | undefined): boolean {
  if (!pid || pid <= 0 || !signalable(pid)) return false;
  const stat = procStat(pid);
  if (stat?.state === "Z") return false;
  // Signal 0 says it exists; unreadable /proc cannot say it is another process.
  return token === undefined || stat === UNREADABLE || token === stat?.startTicks;
}

/**
 * How a process that nobody has reaped yet ended: a zombie's wait status, from /proc (Linux).
 * undefined for a live process, a gone one, or where /proc does not say.
 */
export function zombieExit(pid: number): { status?: number; signal?: number } | undefined {
  const stat = procStat(pid);
  if (stat?.state !== "Z" || stat.exitCode === undefined) return undefined;
  const signal = stat.exitCode & 0x7f;
  return signal !== 0 ? { signal } : { status: (stat.exitCode >> 8) & 0xff };
}

/** A process's one-letter state (R, S, T stopped, Z zombie…), where /proc tells. */
export function processState(pid: number): string | undefined {
  const stat = procStat(pid);
  return stat === UNREADABLE ? undefined : stat?.state;
}

/**
 * Whether another process group than the pane process's own holds its terminal's foreground:
 * a shell running a job, a REPL running a child. Read from /proc on Linux, from ps elsewhere;
 * undefined when neither tells.
 */
export function foregroundTaken(panePid: number): boolean | undefined {
  const groups = procGroups(panePid) ?? psGroups(panePid);
  if (!groups || groups.tpgid <= 0) return undefined;
  return groups.tpgid !== groups.pgrp;
}

/** pgrp (field 5) and tpgid (field 8) of /proc/<pid>/stat. */
function procGroups(pid: number): { pgrp: number; tpgid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { pgrp: Number(fields[2]), tpgid: Number(fields[5]) };
  } catch {
    return undefined;
  }
}

function psGroups(pid: number): { pgrp: number; tpgid: number } | undefined {
  if (process.platform === "linux") return undefined;
  const res = Bun.spawnSync(["ps", "-o", "pgid=,tpgid=", "-p", String(pid)], { stderr: "ignore" });
  const [pgrp, tpgid] = res.stdout.toString().trim().split(/\s+/).map(Number);
  return res.exitCode === 0 && pgrp && tpgid ? { pgrp, tpgid } : undefined;
}
