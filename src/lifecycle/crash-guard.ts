import { type Host, nowOf } from "../home/host";
import { getPeer, setFailed } from "../registry/registry";
import { describeExit } from "../tmux/exits";

interface DeathRecord {
  identity: string;
  personality: string;
  class: string;
  status?: number;
  signal?: string;
  detail?: string;
  /** How long the session had lived; a death after a long healthy run resets the back-off. */
  uptimeS?: number;
}

/**
 * Record a death and apply the crash-loop guard: `crashLimit` deaths of one peer within the
 * crash window mark it failed for a back-off. Deaths stay in the window, so one more death soon
 * after the back-off trips the guard again, for twice as long (up to the maximum).
 * Returns the time wakes are refused until, when the guard tripped.
 */
export function recordDeath(host: Host, death: DeathRecord): string | undefined {
  const now = nowOf(host);
  const { config, store } = host;
  return store.write(() => {
    store.db
      .query(
        "INSERT INTO deaths (identity, personality, ts, class, status, signal, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        death.identity,
        death.personality,
        now.toISOString(),
        death.class,
        death.status ?? null,
        death.signal ?? null,
        death.detail ?? null,
      );
    const peer = getPeer(store, death.personality);
    if (!peer) return undefined;
    let level = peer.backoffLevel;
    if (death.uptimeS !== undefined && death.uptimeS > config.crashWindowSecs) level = 0;
    const windowStart = new Date(now.getTime() - config.crashWindowSecs * 1000).toISOString();
    const reset = guardResetAt(host, death.personality);
    const since = reset && reset > windowStart ? reset : windowStart;
    const { n } = store.db
      .query("SELECT COUNT(*) AS n FROM deaths WHERE personality = ? AND ts >= ?")
      .get(death.personality, since) as { n: number };
    if (n < config.crashLimit) {
      if (level !== peer.backoffLevel) setFailed(store, death.personality, peer.failedUntil, level);
      return undefined;
    }
    level += 1;
    const secs = Math.min(config.backoffSecs * 2 ** (level - 1), config.backoffMaxSecs);
    const until = new Date(now.getTime() + secs * 1000).toISOString();
    setFailed(store, death.personality, until, level);
    host.events.write("crash-loop", {
      peer: death.personality,
      deaths: n,
      window_s: config.crashWindowSecs,
      backoff_s: secs,
      until,
    });
    return until;
  });
}

const resetKey = (personality: string) => `crash-guard-reset:${personality}`;

/** When a person last started the peer again: deaths before it no longer count. */
function guardResetAt(host: Host, personality: string): string | undefined {
  const row = host.store.db
    .query("SELECT value FROM meta WHERE key = ?")
    .get(resetKey(personality)) as { value: string } | null;
  return row?.value;
}

/**
 * A person's `start` or `restart`: the guard is cleared and its window starts now, so the deaths
 * that tripped it are not counted again and the next death reports its own cause instead of a
 * refusal that asks for the `start` just given.
 */
export function resetCrashGuard(host: Host, personality: string): void {
  host.store.write(() => {
    setFailed(host.store, personality, undefined, 0);
    host.store.db
      .query("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
      .run(resetKey(personality), nowOf(host).toISOString());
  });
}

export interface RecentDeath {
  identity: string;
  ts: string;
  class: string;
  status?: number;
  signal?: string;
  detail?: string;
}

/** A row of the deaths table, as SQLite gives it. */
interface DeathRow {
  identity: string;
  ts: string;
  class: string;
  status: number | null;
  signal: string | null;
  detail: string | null;
}

const deathOf = (r: DeathRow): RecentDeath => ({
  identity: r.identity,
  ts: r.ts,
  class: r.class,
  ...(r.status !== null && { status: r.status }),
  ...(r.signal !== null && { signal: r.signal }),
  ...(r.detail !== null && { detail: r.detail }),
});

export function recentDeaths(host: Host, personality: string, limit = 5): RecentDeath[] {
  const rows = host.store.db
    .query(
      "SELECT identity, ts, class, status, signal, detail FROM deaths WHERE personality = ? ORDER BY id DESC LIMIT ?",
    )
    .all(personality, limit) as DeathRow[];
  return rows.reverse().map(deathOf);
}

/**
 * Every death recorded of a peer (by personality or identity), or of all, oldest first: the
 * crash guard's records, which hold deaths the exit hook never saw (a boot that failed, a
 * server that vanished).
 */
export function recordedDeaths(host: Host, peer?: string, limit = 1000): RecentDeath[] {
  const rows = (
    peer === undefined
      ? host.store.db
          .query(
            "SELECT identity, ts, class, status, signal, detail FROM deaths ORDER BY id DESC LIMIT ?",
          )
          .all(limit)
      : host.store.db
          .query(
            "SELECT identity, ts, class, status, signal, detail FROM deaths WHERE personality = ? OR identity = ? ORDER BY id DESC LIMIT ?",
          )
          .all(peer, peer, limit)
  ) as DeathRow[];
  return rows.reverse().map(deathOf);
}

/** How a recorded death reads: "killed by SIGKILL", "exited with status 3", "server-dead". */
export function describeDeath(d: Pick<RecentDeath, "class" | "status" | "signal">): string {
  return d.class === "exited" || d.class === "signaled" ? describeExit(d) : d.class;
}

interface DeathTally {
  /** Deaths since the time asked about. */
  count: number;
  /** The last death ever recorded. */
  last: RecentDeath;
}

/** Per identity that ever died: its deaths since `since` (ISO time) and its last one. */
export function deathTallies(host: Host, since: string): Map<string, DeathTally> {
  const rows = host.store.db
    .query(
      `SELECT d.identity, d.ts, d.class, d.status, d.signal, d.detail,
         (SELECT COUNT(*) FROM deaths c WHERE c.identity = d.identity AND c.ts > ?) AS count
       FROM deaths d JOIN (SELECT MAX(id) AS id FROM deaths GROUP BY identity) m ON d.id = m.id`,
    )
    .all(since) as (DeathRow & { count: number })[];
  return new Map(rows.map((r) => [r.identity, { count: r.count, last: deathOf(r) }]));
}

/** Every death recorded since `since`, oldest first: the dashboard's timeline. */
export function deathsSince(
  host: Host,
  since: string,
): { identity: string; ts: string; class: string; status?: number; signal?: string }[] {
  const rows = host.store.db
    .query("SELECT identity, ts, class, status, signal FROM deaths WHERE ts > ? ORDER BY id")
    .all(since) as {
    identity: string;
    ts: string;
    class: string;
    status: number | null;
    signal: string | null;
  }[];
  return rows.map((d) => ({
    identity: d.identity,
    ts: d.ts,
    class: d.class,
    ...(d.status !== null && { status: d.status }),
    ...(d.signal !== null && { signal: d.signal }),
  }));
}
