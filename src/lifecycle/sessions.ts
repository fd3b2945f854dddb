import { processToken } from "../launch/pid";
import type { Store } from "../store/db";

/** What iapeer knows of one identity's session, live or asleep. */
export interface SessionRow {
  identity: string;
  personality: string;
  runtime: string;
  state: "live" | "asleep";
  socket: string;
  serverPid?: number;
  serverToken?: string;
  panePid?: number;
  startedAt?: string;
  lastActiveAt?: string;
  /** Put to sleep for idleness: the next wake resumes the conversation. */
  resume: boolean;
}

interface Row {
  identity: string;
  personality: string;
  runtime: string;
  state: string;
  socket: string;
  server_pid: number | null;
  server_token: string | null;
  pane_pid: number | null;
  started_at: string | null;
  last_active_at: string | null;
  resume: number;
}

function fromRow(r: Row): SessionRow {
  return {
    identity: r.identity,
    personality: r.personality,
    runtime: r.runtime,
    state: r.state === "live" ? "live" : "asleep",
    socket: r.socket,
    ...(r.server_pid !== null && { serverPid: r.server_pid }),
    ...(r.server_token !== null && { serverToken: r.server_token }),
    ...(r.pane_pid !== null && { panePid: r.pane_pid }),
    ...(r.started_at !== null && { startedAt: r.started_at }),
    ...(r.last_active_at !== null && { lastActiveAt: r.last_active_at }),
    resume: r.resume === 1,
  };
}

const SELECT =
  "SELECT identity, personality, runtime, state, socket, server_pid, server_token, pane_pid, started_at, last_active_at, resume FROM sessions";

export function getSession(store: Store, identity: string): SessionRow | undefined {
  const row = store.db.query(`${SELECT} WHERE identity = ?`).get(identity) as Row | null;
  return row ? fromRow(row) : undefined;
}

export function listSessions(store: Store, state?: "live" | "asleep"): SessionRow[] {
  const rows = state
    ? (store.db.query(`${SELECT} WHERE state = ? ORDER BY identity`).all(state) as Row[])
    : (store.db.query(`${SELECT} ORDER BY identity`).all() as Row[]);
  return rows.map(fromRow);
}

function saveLive(
  store: Store,
  s: Required<Omit<SessionRow, "state" | "resume" | "serverToken" | "lastActiveAt">> & {
    serverToken?: string;
  },
  now: Date,
): void {
  store.db
    .query(
      `INSERT INTO sessions (identity, personality, runtime, state, socket, server_pid, server_token, pane_pid, started_at, last_active_at, resume, updated_at)
       VALUES ($identity, $personality, $runtime, 'live', $socket, $server_pid, $server_token, $pane_pid, $started_at, $started_at, 0, $now)
       ON CONFLICT(identity) DO UPDATE SET state = 'live', socket = excluded.socket, server_pid = excluded.server_pid,
         server_token = excluded.server_token, pane_pid = excluded.pane_pid, started_at = excluded.started_at,
         last_active_at = excluded.last_active_at, resume = 0, updated_at = excluded.updated_at`,
    )
    .run({
      identity: s.identity,
      personality: s.personality,
      runtime: s.runtime,
      socket: s.socket,
      server_pid: s.serverPid,
      server_token: s.serverToken ?? null,
      pane_pid: s.panePid,
      started_at: s.startedAt,
      now: now.toISOString(),
    });
}

/** The session is gone: keep the row (it remembers whether to resume) without its pids. */
export function markAsleep(store: Store, identity: string, resume: boolean, now: Date): void {
  store.db
    .query(
      "UPDATE sessions SET state = 'asleep', server_pid = NULL, server_token = NULL, pane_pid = NULL, resume = ?, updated_at = ? WHERE identity = ?",
    )
    .run(resume ? 1 : 0, now.toISOString(), identity);
}

/** A confirmed delivery counts as activity for idle detection. */
export function touchActivity(store: Store, identity: string, now: Date): void {
  store.db
    .query("UPDATE sessions SET last_active_at = ? WHERE identity = ?")
    .run(now.toISOString(), identity);
}

/** Record a session that just came up, with its server's start token (the pid-reuse guard). */
export function recordLaunched(
  store: Store,
  who: { identity: string; personality: string; runtime: string },
  s: { socket: string; serverPid: number; panePid: number; startedAt: string },
  now: Date,
): SessionRow {
  const token = processToken(s.serverPid);
  store.write(() =>
    saveLive(store, { ...who, ...s, ...(token !== undefined && { serverToken: token }) }, now),
  );
  return getSession(store, who.identity) as SessionRow;
}
