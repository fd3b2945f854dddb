import { type Host, nowOf } from "../home/host";
import { exitOf, logSessionLost } from "../launch/death";
import { readExits, type SessionExit } from "../tmux/exits";
import { getAgentState, saveAgentState } from "./agent-states";
import { recordDeath } from "./crash-guard";
import type { SessionRow } from "./sessions";

interface RecordedDeath {
  identity: string;
  class: string;
  status?: number;
  signal?: string;
}

/**
 * Record the death of a session whose row still says `live` but whose server is gone: its class
 * from exits.log (`exited`, `signaled`), else `server-dead`. The row is marked asleep only if it
 * is still that same live session, so two passes (or a pass and a wake) record a death once.
 */
export function recordSessionDeath(
  host: Host,
  s: SessionRow,
  fresh: SessionExit[] = [],
): RecordedDeath | undefined {
  const now = nowOf(host);
  const record = { identity: s.identity, startedAt: s.startedAt ?? now.toISOString() };
  const exit =
    exitOf(record, fresh) ?? exitOf(record, readExits(host.layout.exitsLog, host.config.logFiles));
  const uptimeS = s.startedAt
    ? Math.round((now.getTime() - Date.parse(s.startedAt)) / 1000)
    : undefined;
  const death = exit?.signal
    ? { class: "signaled", signal: exit.signal }
    : exit?.status !== undefined
      ? { class: "exited", status: exit.status }
      : { class: "server-dead" };
  const claimed = host.store.write(
    () =>
      host.store.db
        .query(
          "UPDATE sessions SET state = 'asleep', server_pid = NULL, server_token = NULL, pane_pid = NULL, resume = 0, updated_at = ? WHERE identity = ? AND state = 'live' AND server_pid IS ?",
        )
        .run(now.toISOString(), s.identity, s.serverPid ?? null).changes > 0,
  );
  if (!claimed) return undefined;
  // Whatever its agent last said, it is gone now (its transcript stays known, for exactly-once).
  const agent = getAgentState(host.store, s.identity);
  if (agent && agent.state !== "exited")
    host.store.write(() =>
      saveAgentState(
        host.store,
        {
          identity: s.identity,
          state: "exited",
          source: "tmux",
          turn: [],
          ...(agent.agentSession && { agentSession: agent.agentSession }),
          ...(agent.transcript && { transcript: agent.transcript }),
        },
        now,
      ),
    );
  if (death.class === "server-dead") {
    logSessionLost(
      host.events,
      {
        identity: s.identity,
        serverPid: s.serverPid ?? 0,
        panePid: s.panePid ?? 0,
        startedAt: record.startedAt,
      },
      { class: "server-dead", serverPid: s.serverPid ?? 0, uptimeS: uptimeS ?? 0 },
    );
  }
  host.events.write("death", { identity: s.identity, ...death, uptime_s: uptimeS });
  recordDeath(host, {
    identity: s.identity,
    personality: s.personality,
    ...death,
    ...(uptimeS !== undefined && { uptimeS }),
  });
  return { identity: s.identity, ...death };
}
