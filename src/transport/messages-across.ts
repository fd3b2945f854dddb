import type { Receipt } from "../mesh/receipts";
import type { WireMessage } from "../mesh/wire";
import type { Store } from "../store/db";
import { messageChanged } from "./message-changes";
import { fromRow, getMessage, type Message, type Row, SELECT } from "./messages";

/**
 * The transitions of messages that cross hosts, the one place that writes them: those this host
 * sends to other hosts' peers (forwarded, failed unsent, expired, their receipts applied) and
 * those it took from other hosts (stored, refused, their receipts sent).
 */

/** Stored and not yet taken by the mesh's stream, oldest first. */
export function toForward(store: Store, limit: number): Message[] {
  const rows = store.db
    .query(`${SELECT} WHERE to_host IS NOT NULL AND state = 'forwarding' ORDER BY seq LIMIT ?`)
    .all(limit) as Row[];
  return rows.map(fromRow);
}

/** The stream took it: from now on only a receipt (or its expiry) changes it. */
export function markForwarded(store: Store, id: string, now: Date): boolean {
  const r = store.db
    .query(
      "UPDATE messages SET state = 'forwarded', forwarded_at = ?1, updated_at = ?1 WHERE id = ?2 AND state = 'forwarding'",
    )
    .run(now.toISOString(), id);
  if (r.changes > 0) messageChanged();
  return r.changes > 0;
}

/** Never forwarded, and never will be: failed, with why. */
export function failUnsent(
  store: Store,
  id: string,
  error: string,
  now: Date,
): Message | undefined {
  store.db
    .query(
      "UPDATE messages SET state = 'failed', error = ?, updated_at = ? WHERE id = ? AND state = 'forwarding'",
    )
    .run(error, now.toISOString(), id);
  messageChanged();
  return getMessage(store, id);
}

/** Messages for other hosts past their time to live, still without an outcome: now failed. */
export function expireOutbound(store: Store, now: Date): Message[] {
  const at = now.toISOString();
  const due = () =>
    (
      store.db
        .query(
          `${SELECT} WHERE to_host IS NOT NULL AND state IN ('forwarding', 'forwarded') AND expires_at <= ?`,
        )
        .all(at) as Row[]
    ).map(fromRow);
  // Looked for every second: no write lock unless there is something to expire.
  if (due().length === 0) return [];
  return store.write(() => {
    const expired = due();
    for (const m of expired) {
      const error =
        m.state === "forwarding"
          ? `expired at ${m.expiresAt}: the mesh never took it for ${m.toHost} (NATS unreachable)`
          : `expired at ${m.expiresAt}: ${m.toHost} did not take it in time (unreachable)`;
      store.db
        .query("UPDATE messages SET state = 'failed', error = ?, updated_at = ? WHERE id = ?")
        .run(error, at, m.id);
    }
    messageChanged();
    return expired.map((m) => getMessage(store, m.id) as Message);
  });
}

/**
 * What the recipient's host says became of a message, recorded; undefined when it changes
 * nothing (a repeat, or a receipt from a host the message was not sent to). The host's word
 * wins over an expiry this host declared meanwhile.
 */
export function applyReceipt(store: Store, r: Receipt): Message | undefined {
  return store.write(() => {
    const m = getMessage(store, r.id);
    if (!m || m.toHost !== r.host) return undefined;
    const stepNew =
      (r.step === "received" && !m.receivedAt) || (r.step === "answered" && !m.answeredAt);
    if (m.state === r.outcome && (m.error ?? undefined) === r.error && !stepNew) return undefined;
    if (r.step)
      store.db
        .query(
          `UPDATE messages SET received_at = COALESCE(received_at, ?1),
             answered_at = CASE WHEN ?2 = 'answered' THEN COALESCE(answered_at, ?1) ELSE answered_at END,
             reply = CASE WHEN ?2 = 'answered' THEN COALESCE(reply, ?3) ELSE reply END WHERE id = ?4`,
        )
        .run(r.at, r.step, r.reply ?? "", r.id);
    store.db
      .query(
        `UPDATE messages SET state = ?1, error = ?2, updated_at = ?3, woke = MAX(woke, ?4),
           delivered_at = CASE WHEN ?1 = 'delivered' THEN ?3 ELSE delivered_at END WHERE id = ?5`,
      )
      .run(r.outcome, r.error ?? null, r.at, r.woke ? 1 : 0, r.id);
    const changed = getMessage(store, r.id);
    messageChanged();
    return changed;
  });
}

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
         error, created_at, updated_at, from_host, sender_runtime, sender_intelligence, expires_at,
         conversation, hops)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      w.conversation ?? null,
      w.hops ?? 0,
    );
  return r.changes > 0;
}

/** Messages from other hosts with a final outcome their origin has not been told of. */
export function receiptsDue(store: Store, limit: number): Message[] {
  const rows = store.db
    .query(
      `${SELECT} WHERE from_host IS NOT NULL AND receipt_outcome IS NOT ${RECEIPT_KEY}
         AND state IN ('delivered', 'unconfirmed', 'failed') ORDER BY seq LIMIT ?`,
    )
    .all(limit) as Row[];
  return rows.map(fromRow);
}

/** What a message's origin is to be told: its outcome, and past `delivered` its step. */
const RECEIPT_KEY = `(CASE WHEN answered_at IS NOT NULL THEN state || ':answered'
  WHEN received_at IS NOT NULL THEN state || ':received' ELSE state END)`;

/** The receipt key of a message: what `markReceipted` records once its origin has it. */
export function receiptKey(m: Message): string {
  return m.answeredAt ? `${m.state}:answered` : m.receivedAt ? `${m.state}:received` : m.state;
}

/** The origin's stream took the receipt of this outcome (and step). */
export function markReceipted(store: Store, id: string, key: string): void {
  store.db.query("UPDATE messages SET receipt_outcome = ? WHERE id = ?").run(key, id);
}
