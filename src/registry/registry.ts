import type { Store } from "../store/db";
import type { Profile } from "./profile";

/** A registered peer: its profile (as last projected) and iapeer's own marks on it. */
export interface PeerRecord {
  personality: string;
  cwd: string;
  profile: Profile;
  /** A user stopped it: messages and wakes are refused until `start`. */
  stopped: boolean;
  /** Crash-loop guard: wakes are refused until this ISO time. */
  failedUntil?: string;
  backoffLevel: number;
}

interface PeerRow {
  personality: string;
  cwd: string;
  profile: string;
  stopped: number;
  failed_until: string | null;
  backoff_level: number;
}

function fromRow(row: PeerRow): PeerRecord {
  return {
    personality: row.personality,
    cwd: row.cwd,
    profile: JSON.parse(row.profile) as Profile,
    stopped: row.stopped === 1,
    ...(row.failed_until && { failedUntil: row.failed_until }),
    backoffLevel: row.backoff_level,
  };
}

const COLUMNS = "personality, cwd, profile, stopped, failed_until, backoff_level";

export function getPeer(store: Store, personality: string): PeerRecord | undefined {
  const row = store.db
    .query(`SELECT ${COLUMNS} FROM peers WHERE personality = ?`)
    .get(personality) as PeerRow | null;
  return row ? fromRow(row) : undefined;
}

export function peerAt(store: Store, cwd: string): PeerRecord | undefined {
  const row = store.db
    .query(`SELECT ${COLUMNS} FROM peers WHERE cwd = ?`)
    .get(cwd) as PeerRow | null;
  return row ? fromRow(row) : undefined;
}

export function listPeers(store: Store): PeerRecord[] {
  return (
    store.db.query(`SELECT ${COLUMNS} FROM peers ORDER BY personality`).all() as PeerRow[]
  ).map(fromRow);
}

/** Write the projection of a profile; iapeer's own marks (stopped, back-off) are kept. */
export function projectProfile(
  store: Store,
  cwd: string,
  profile: Profile,
  now = new Date(),
): void {
  store.db
    .query(
      `INSERT INTO peers (personality, cwd, default_runtime, runtimes, description, intelligence, wake, profile, updated_at)
       VALUES ($personality, $cwd, $default_runtime, $runtimes, $description, $intelligence, $wake, $profile, $now)
       ON CONFLICT(personality) DO UPDATE SET
         cwd = excluded.cwd, default_runtime = excluded.default_runtime, runtimes = excluded.runtimes,
         description = excluded.description, intelligence = excluded.intelligence, wake = excluded.wake,
         profile = excluded.profile, updated_at = excluded.updated_at`,
    )
    .run({
      personality: profile.personality,
      cwd,
      default_runtime: profile.defaultRuntime,
      runtimes: JSON.stringify(profile.runtimes),
      description: profile.description,
      intelligence: profile.intelligence,
      wake: profile.wake,
      profile: JSON.stringify(profile),
      now: now.toISOString(),
    });
}

export function deleteProjection(store: Store, personality: string): void {
  store.db
    .query(
      "DELETE FROM wake_locks WHERE identity IN (SELECT identity FROM sessions WHERE personality = ?)",
    )
    .run(personality);
  store.db.query("DELETE FROM sessions WHERE personality = ?").run(personality);
  store.db.query("DELETE FROM peer_tokens WHERE personality = ?").run(personality);
  store.db.query("DELETE FROM peers WHERE personality = ?").run(personality);
}

export function setStopped(store: Store, personality: string, stopped: boolean): void {
  store.db
    .query("UPDATE peers SET stopped = ? WHERE personality = ?")
    .run(stopped ? 1 : 0, personality);
}

export function setFailed(
  store: Store,
  personality: string,
  until: string | undefined,
  backoffLevel: number,
): void {
  store.db
    .query("UPDATE peers SET failed_until = ?, backoff_level = ? WHERE personality = ?")
    .run(until ?? null, backoffLevel, personality);
}
