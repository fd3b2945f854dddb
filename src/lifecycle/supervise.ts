import { statSync } from "node:fs";
import { peerLog } from "../core/paths";
import { exitOf } from "../launch/death";
import { pidAlive } from "../launch/pid";
import { nudgeReaper } from "../launch/watch";
import { getPeer } from "../registry/registry";
import { readExits, type SessionExit } from "../tmux/exits";
import { type Host, nowOf } from "./context";
import { endSessions } from "./control";
import { recordDeath } from "./crash-guard";
import { readNewExits } from "./exits-cursor";
import { sameProcess } from "./process-token";
import { listSessions, markAsleep, type SessionRow } from "./sessions";

export interface TickReport {
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
  const live = listSessions(host.store, "live").filter(
    (s) => getPeer(host.store, s.personality)?.profile.wake !== "always-on",
  );
  // A pane whose SIGCHLD tmux missed is dead but unrecorded; a nudge lets the hook run now.
  for (const s of live) if (s.serverPid) nudgeReaper(s.serverPid);
  if (live.some((s) => sameProcess(s.serverPid, s.serverToken) && !pidAlive(s.panePid)))
    await Bun.sleep(DYING_GRACE_MS);

  const fresh = readNewExits(host.store, host.layout.exitsLog);
  let all: SessionExit[] | undefined;
  const now = nowOf(host);
  for (const s of live) {
    report.checked++;
    if (!sameProcess(s.serverPid, s.serverToken)) {
      const record = { identity: s.identity, startedAt: s.startedAt ?? now.toISOString() };
      let exit = exitOf(record, fresh);
      if (!exit) {
        all ??= readExits(host.layout.exitsLog, host.config.logFiles);
        exit = exitOf(record, all);
      }
      const uptimeS = s.startedAt
        ? Math.round((now.getTime() - Date.parse(s.startedAt)) / 1000)
        : undefined;
      const death = exit?.signal
        ? { class: "signaled", signal: exit.signal }
        : exit?.status !== undefined
          ? { class: "exited", status: exit.status }
          : { class: "server-dead" };
      host.store.write(() => markAsleep(host.store, s.identity, false, now));
      if (death.class === "server-dead") {
        host.events.write("session-lost", {
          identity: s.identity,
          class: "server-dead",
          server_pid: s.serverPid,
          uptime_s: uptimeS,
        });
      }
      host.events.write("death", { identity: s.identity, ...death, uptime_s: uptimeS });
      recordDeath(host, {
        identity: s.identity,
        personality: s.personality,
        ...death,
        ...(uptimeS !== undefined && { uptimeS }),
      });
      report.died.push({ identity: s.identity, ...death });
      continue;
    }
    if (opts.idle !== false && host.config.idleSecs > 0) {
      const idleS = (now.getTime() - lastActivity(host, s)) / 1000;
      if (idleS > host.config.idleSecs) {
        endSessions(host, s.personality, "idle", { resume: true, identity: s.identity });
        report.slept.push(s.identity);
      }
    }
  }
  return report;
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
