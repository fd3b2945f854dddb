import type { Store } from "../store/db";
import { fromRow, type Message, type Row, SELECT } from "../transport/messages";
import type { WireMessage } from "./wire";

/** The messages this host took from other hosts, as the database keeps them. */

/**
 * Into the local queue under the sender's message id; a repeat (the stream handing it over
 * again) is a no-op. True when it was stored now.
 */
export function insertArrival(store: Store, w: WireMessage, now: Date): boolean {
  return insert(store, w, now, undefined);
}

/**
 * Recorded as failed, without its body or attachments, under its id: its refusal goes back to
 * its sender as a receipt, and a repeat is a no-op. True when it was recorded now.
 */
export function refuseArrival(store: Store, w: WireMessage, now: Date, error: string): boolean {
  return insert(store, w, now, error);
}

function insert(store: Store, w: WireMessage, now: Date, refusal: string | undefined): boolean {
  const r = store.db
    .query(
      `INSERT OR IGNORE INTO messages (id, sender, recipient, runtime, topic, body, attachments, state,
         error, created_at, updated_at, from_host, sender_runtime, sender_intelligence, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      w.id,
      `${w.from.personality}@${w.from.host}`,
      w.to.personality,
      w.runtime ?? null,
      refusal === undefined ? (w.topic ?? null) : null,
      refusal === undefined ? w.body : "",
      refusal === undefined ? JSON.stringify(w.attachments) : "[]",
      refusal === undefined ? "queued" : "failed",
      refusal ?? null,
      w.createdAt,
      now.toISOString(),
      w.from.host,
      w.from.runtime,
      w.from.intelligence,
      w.expiresAt ?? null,
    );
  return r.changes > 0;
}

/** Messages from other hosts with a final outcome their origin has not been told of. */
export function receiptsDue(store: Store, limit: number): Message[] {
  const rows = store.db
    .query(
      `${SELECT} WHERE from_host IS NOT NULL AND receipt_outcome IS NOT state
         AND state IN ('delivered', 'unconfirmed', 'failed') ORDER BY seq LIMIT ?`,
    )
    .all(limit) as Row[];
  return rows.map(fromRow);
}

/** The origin's stream took the receipt of this outcome. */
export function markReceipted(store: Store, id: string, outcome: string): void {
  store.db.query("UPDATE messages SET receipt_outcome = ? WHERE id = ?").run(outcome, id);
}
