import type { Store } from "../store/db";
import { fromRow, getMessage, type Message, type Row, SELECT } from "./messages";

/**
 * The steps after `delivered`, from the agent's own record: `received` (its prompt carried the
 * message's id), then `answered` (the turn ended, its reply kept) or a failed turn, which puts
 * the message back in the queue until it has failed too often.
 */

/** The furthest step a message reached: its state, or past `delivered` its receipts. */
export type Step = Message["state"] | "received" | "answered";

export function stepOf(m: Message): Step {
  if (m.answeredAt) return "answered";
  if (m.receivedAt && (m.state === "delivered" || m.state === "unconfirmed")) return "received";
  return m.state;
}

/** The messages among `ids` that went to this recipient: an agent cannot receive another's. */
export function messagesFor(store: Store, recipient: string, ids: string[]): Message[] {
  if (ids.length === 0) return [];
  const rows = store.db
    .query(`${SELECT} WHERE recipient = ? AND id IN (${ids.map(() => "?").join(",")}) ORDER BY seq`)
    .all(recipient, ...ids) as Row[];
  return rows.map(fromRow);
}

/** Received: said once, by the first record of it. A message that was only `unconfirmed` on
 * the screen is delivered after all. */
export function markReceived(store: Store, id: string, now: Date): boolean {
  const changed = store.db
    .query(
      `UPDATE messages SET received_at = ?1, updated_at = ?1,
         state = CASE WHEN state IN ('unconfirmed', 'delivering') THEN 'delivered' ELSE state END,
         delivered_at = COALESCE(delivered_at, ?1), held = NULL
       WHERE id = ?2 AND received_at IS NULL`,
    )
    .run(now.toISOString(), id);
  return changed.changes > 0;
}

export function markAnswered(store: Store, id: string, reply: string, now: Date): void {
  store.db
    .query(
      "UPDATE messages SET answered_at = ?1, reply = ?2, updated_at = ?1 WHERE id = ?3 AND answered_at IS NULL",
    )
    .run(now.toISOString(), reply, id);
}

/**
 * Its turn failed: back to the queue (typed again once the agent is healthy) while it has failed
 * fewer than `retries` times, else failed for good with the agent's words. Never `answered`.
 */
export function markTurnFailed(
  store: Store,
  id: string,
  error: string,
  retries: number,
  now: Date,
): "requeued" | "failed" {
  const m = getMessage(store, id);
  const failures = (m?.turnFailures ?? 0) + 1;
  const again = failures <= retries;
  store.db
    .query(
      `UPDATE messages SET turn_error = ?1, turn_failures = ?2, updated_at = ?3,
         state = ?4, received_at = NULL, typing_at = NULL, typed_at = NULL,
         error = CASE WHEN ?4 = 'failed' THEN ?5 ELSE error END
       WHERE id = ?6 AND answered_at IS NULL`,
    )
    .run(
      error,
      failures,
      now.toISOString(),
      again ? "queued" : "failed",
      `its turn failed ${failures} times; last: ${error}`,
      id,
    );
  return again ? "requeued" : "failed";
}

/**
 * Why a recipient's queued messages wait (the first is held, the rest are behind it), for their
 * senders and `message <id>`. Returns how many changed.
 */
export function markHeld(store: Store, recipient: string, reason: string): number {
  return store.db
    .query(
      "UPDATE messages SET held = ?1 WHERE recipient = ?2 AND state = 'queued' AND held IS NOT ?1",
    )
    .run(reason, recipient).changes;
}

/** The newest message an agent received whose turn has not ended: what it is handling now. */
export function handling(store: Store, recipient: string, ids: string[]): Message | undefined {
  return messagesFor(store, recipient, ids).at(-1);
}

/** The last message delivered to a recipient within `withinMs`: what it is likely handling when
 * its hooks say nothing. */
export function lastDelivered(store: Store, recipient: string, since: Date): Message | undefined {
  const row = store.db
    .query(
      `${SELECT} WHERE recipient = ? AND state IN ('delivered', 'unconfirmed') AND updated_at >= ?
       ORDER BY seq DESC LIMIT 1`,
    )
    .get(recipient, since.toISOString()) as Row | null;
  return row ? fromRow(row) : undefined;
}

/** What held a recipient's queue has passed: its messages no longer say they wait for it. */
export function clearHeld(store: Store, recipient: string): void {
  store.db
    .query(
      "UPDATE messages SET held = NULL WHERE recipient = ? AND state = 'queued' AND held IS NOT NULL",
    )
    .run(recipient);
}

/** Messages typed into a recipient since then that its agent has no record of yet. */
export function unreceivedSince(store: Store, recipient: string, since: string): Message[] {
  const rows = store.db
    .query(
      `${SELECT} WHERE recipient = ? AND state IN ('delivered', 'unconfirmed') AND received_at IS NULL
         AND answered_at IS NULL AND COALESCE(delivered_at, updated_at) >= ? ORDER BY seq`,
    )
    .all(recipient, since) as Row[];
  return rows.map(fromRow);
}
