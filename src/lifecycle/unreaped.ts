import { appendFileSync } from "node:fs";
import { tmuxSocket } from "../core/paths";
import type { Host } from "../home/host";
import { pidAlive, processState, sameProcess, zombieExit } from "../launch/pid";
import { stopSession } from "../launch/stop";
import { nudgeReaper } from "../launch/watch";
import { Tmux } from "../tmux/client";
import type { SessionRow } from "./sessions";

/** How long tmux gets to reap a nudged pane and run its hook before iapeer does the hook's work. */
const REAP_WAIT_MS = 1000;

/**
 * A session whose pane process has ended while its tmux server lives on: tmux missed the
 * process's SIGCHLD (a race with libutempter in tmux 3.3), so the process is a zombie, the
 * pane-died hook never ran and the session would look alive for ever. Nudge the server to reap;
 * if it still has not after a moment, do what the hook does: record the exit from the zombie's
 * own wait status in exits.log, then stop the server. Returns whether the session is now gone.
 * A session whose pane process lives is left alone (false).
 */
export async function settleUnreaped(host: Host, s: SessionRow): Promise<boolean> {
  if (!s.serverPid || !sameProcess(s.serverPid, s.serverToken)) return true;
  if (!s.panePid || pidAlive(s.panePid)) return false;
  for (const until = Date.now() + REAP_WAIT_MS; Date.now() < until; await Bun.sleep(50)) {
    nudgeReaper(s.serverPid);
    if (!sameProcess(s.serverPid, s.serverToken)) return true;
  }
  const exit = zombieExit(s.panePid);
  if (!exit) return false; // reaped after all, or no /proc to ask: the hook will tell
  appendFileSync(
    host.layout.exitsLog,
    `ts=${new Date().toISOString()} ev=session-exit identity=${s.identity} dead_status=${exit.status ?? ""} dead_signal=${exit.signal ?? ""} recorded_by=iapeer\n`,
    { mode: 0o600 },
  );
  host.events.write("unreaped-exit", {
    identity: s.identity,
    pane_pid: s.panePid,
    ...(exit.status !== undefined && { status: exit.status }),
    ...(exit.signal !== undefined && { signal: exit.signal }),
  });
  // A server that cannot answer (stopped) or does not (hung) is ended by its pid.
  const stopped =
    processState(s.serverPid) !== "T" &&
    (await stopSession(new Tmux(tmuxSocket(host.layout, s.identity)))).ok;
  if (!stopped && sameProcess(s.serverPid, s.serverToken)) {
    try {
      process.kill(s.serverPid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  // A signal is delivered, not obeyed at once: whoever looks next must find the server gone.
  for (const until = Date.now() + REAP_WAIT_MS * 2; Date.now() < until; await Bun.sleep(20)) {
    if (!sameProcess(s.serverPid, s.serverToken)) break;
  }
  return true;
}
