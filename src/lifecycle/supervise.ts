import { statSync } from "node:fs";
import { peerLog } from "../core/paths";
import { type Host, nowOf } from "../home/host";
import { foregroundTaken, pidAlive, sameProcess } from "../launch/pid";
import { nudgeReaper } from "../launch/watch";
import { listPeers } from "../registry/registry";
import { getAgentState } from "./agent-states";
import { endSession } from "./control";
import { readNewExits } from "./exits-cursor";
import { rotateForeignLogs } from "./rotate";
import { recordSessionDeath } from "./session-death";
import { listSessions, type SessionRow, touchActivity } from "./sessions";
import { settleUnreaped } from "./unreaped";

interface TickReport {
  checked: number;
  slept: string[];
  died: { identity: string; class: string; status?: number; signal?: string }[];
}

/** How long a pane whose process is gone may take for tmux to run its hook and go. */
const DYING_GRACE_MS = 150;

/**
 * One supervision pass over every live session: record the dead, put the idle to sleep (unless
 * `idle: false`: the daemon's frequent death pass).
 * Cheap by design: no tmux process per session; pids (with a reuse guard), one stat of each
 * pane log and one read of exits.log from where the last pass stopped.
 */
export async function superviseTick(
  host: Host,
  opts: { idle?: boolean } = {},
): Promise<TickReport> {
  const report: TickReport = { checked: 0, slept: [], died: [] };
  // One read of the registry and of each process per pass: this runs twice a second over
  // every live session, so a fleet of hundreds must cost little.
  const peers = new Map(listPeers(host.store).map((p) => [p.personality, p]));
  const live = listSessions(host.store, "live").filter(
    (s) => peers.get(s.personality)?.profile.wake !== "always-on",
  );
  const serverUp = new Map(live.map((s) => [s.identity, sameProcess(s.serverPid, s.serverToken)]));
  const dying = live.filter((s) => serverUp.get(s.identity) && !pidAlive(s.panePid));
  if (dying.length > 0) {
    // A pane whose SIGCHLD tmux missed is dead but unrecorded; a nudge lets the hook run now.
    for (const s of dying) if (s.serverPid) nudgeReaper(s.serverPid);
    await Bun.sleep(DYING_GRACE_MS);
    // Still there: tmux missed the exit; the exit is recorded from the zombie itself.
    await Promise.all(dying.map((s) => settleUnreaped(host, s)));
    for (const s of dying) serverUp.set(s.identity, sameProcess(s.serverPid, s.serverToken));
  }

  const fresh = readNewExits(host.store, host.layout.exitsLog);
  const now = nowOf(host);
  for (const s of live) {
    report.checked++;
    const peer = peers.get(s.personality);
    if (peer && !peer.profile.runtimes.includes(s.runtime)) {
      // Its runtime was switched: a session of the old one would run on unseen.
      await endSession(host, s.identity, "remove");
      continue;
    }
    if (!serverUp.get(s.identity)) {
      const death = recordSessionDeath(host, s, fresh);
      if (death) report.died.push(death);
      continue;
    }
    if (opts.idle !== false && host.config.idleSecs > 0) {
      const idleS = (now.getTime() - lastActivity(host, s)) / 1000;
      if (idleS > host.config.idleSecs) {
        // Its program is running a job (a shell's command, a REPL's child): busy, however
        // silent. The job's end starts the idle time afresh.
        if (s.panePid && foregroundTaken(s.panePid)) {
          touchActivity(host.store, s.identity, now);
          continue;
        }
        // A dialog waiting for a person, or a turn its agent reports running, is not idleness:
        // sleeping it would throw away the question, or interrupt the work.
        const agent = getAgentState(host.store, s.identity);
        const turnRuns =
          agent?.state === "busy" &&
          now.getTime() - Date.parse(agent.updatedAt) < host.config.idleSecs * 1000;
        if (agent?.state === "asking" || turnRuns) continue;
        if (await endSession(host, s.identity, "idle", true)) report.slept.push(s.identity);
      }
    }
  }
  if (opts.idle !== false) rotateForeignLogs(host, listSessions(host.store, "live"));
  return report;
}

/**
 * Before anything reports or decides on whether a session lives (a CLI read, a wake): record the
 * deaths nobody has seen yet, with or without a daemon running.
 */
export function deathPass(host: Host): Promise<TickReport> {
  return superviseTick(host, { idle: false });
}

/** Activity: what the session printed (its pane log's mtime), a confirmed delivery, its start. */
function lastActivity(host: Host, s: SessionRow): number {
  let mtime = 0;
  try {
    mtime = statSync(peerLog(host.layout, s.identity)).mtimeMs;
  } catch {
    // no pane log yet
  }
  return Math.max(mtime, Date.parse(s.lastActiveAt ?? "") || 0, Date.parse(s.startedAt ?? "") || 0);
}
