import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tmux } from "../../src/tmux/client";

const made: string[] = [];

/** A fresh temp dir, removed after the current test. */
export function tempDir(prefix = "iapeer-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * A temp dir used as an IAPEER_HOME by CLI runs may hold what they started: the daemon (by the
 * pid in its daemon.json) and the peers' tmux servers (on their own sockets) end with it.
 */
function stopWhatRunsIn(dir: string): void {
  const info = join(dir, "run", "daemon.json");
  if (existsSync(info)) {
    try {
      process.kill((JSON.parse(readFileSync(info, "utf8")) as { pid: number }).pid, "SIGKILL");
    } catch {
      // gone, or not a daemon's file
    }
  }
  const sockets = join(dir, "run", "tmux");
  if (existsSync(sockets))
    for (const sock of readdirSync(sockets)) new Tmux(join(sockets, sock)).run(["kill-server"]);
  // A tmux server a killed daemon had just spawned may come up after the sockets were listed:
  // whatever still runs on a socket under this dir is ended by its pid.
  for (const pid of tmuxServersUnder(sockets)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}

/** Pids of the tmux processes whose command line names a socket under `sockets`. */
export function tmuxServersUnder(sockets: string): number[] {
  const pids: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return pids; // no /proc here
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv[0]?.endsWith("tmux") && argv[1] === "-S" && argv[2]?.startsWith(`${sockets}/`))
        pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Run after every test by test/setup.ts. */
export function cleanupTempDirs(): void {
  for (const dir of made.splice(0)) {
    stopWhatRunsIn(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}
