import type { EventLog } from "../core/event-log";
import type { LogFields } from "../core/logfmt";
import type { Store } from "./db";

/** Anything events are written to. */
export interface EventSink {
  write(ev: string, fields?: LogFields): boolean;
}

/**
 * An event goes to its logfmt file (for people and log tools) and to the events table (for
 * `iapeer events`, `--follow` and the SSE stream, whichever process wrote it). Like the file
 * log, it never throws into the caller.
 */
/** Who follows the events of a database in this process (the event stream, the dashboard). */
const followers = new WeakMap<Store, Set<() => void>>();

/** Be told, in this process, each time an event is written to `store`; returns the unsubscribe. */
export function onEvent(store: Store, told: () => void): () => void {
  let set = followers.get(store);
  if (!set) {
    set = new Set();
    followers.set(store, set);
  }
  set.add(told);
  return () => set.delete(told);
}

export class Journal implements EventSink {
  constructor(
    readonly file: EventLog,
    readonly store: Store,
  ) {}

  write(ev: string, fields: LogFields = {}, now: Date = new Date()): boolean {
    const wrote = this.file.write(ev, fields, now);
    try {
      const identity = typeof fields.identity === "string" ? fields.identity : null;
      // `id` is the event's own id in the table; a message id travels as `message_id`.
      const { id, ...rest } = fields;
      const stored = id === undefined ? rest : { message_id: id, ...rest };
      this.store.db
        .query("INSERT INTO events (ts, ev, identity, fields) VALUES (?, ?, ?, ?)")
        .run(now.toISOString(), ev, identity, JSON.stringify(stored));
      for (const told of followers.get(this.store) ?? []) told();
      return wrote;
    } catch {
      return false;
    }
  }
}

export interface StoredEvent {
  id: number;
  ts: string;
  ev: string;
  identity?: string;
  [field: string]: unknown;
}

/** Events after `sinceId` (and, given `notBefore`, stamped at or after it), oldest first. */
export function eventsSince(
  store: Store,
  sinceId: number,
  limit = 1000,
  notBefore?: Date,
): StoredEvent[] {
  // `ts` is always toISOString()'s UTC form, so text order is time order.
  const rows = store.db
    .query(
      "SELECT id, ts, ev, identity, fields FROM events WHERE id > ? AND ts >= ? ORDER BY id LIMIT ?",
    )
    .all(sinceId, notBefore?.toISOString() ?? "", limit) as {
    id: number;
    ts: string;
    ev: string;
    identity: string | null;
    fields: string;
  }[];
  return rows.map((r) => ({
    ...(JSON.parse(r.fields) as Record<string, unknown>),
    id: r.id,
    ts: r.ts,
    ev: r.ev,
    ...(r.identity && { identity: r.identity }),
  }));
}

/** The newest event's id (0 when there is none): where a live view starts following. */
export function lastEventId(store: Store): number {
  const row = store.db.query("SELECT MAX(id) AS id FROM events").get() as { id: number | null };
  return row.id ?? 0;
}
