import type { Store } from "../store/db";
import { fromRow, getMessage, type Message, type Row, SELECT } from "../transport/messages";
import type { Receipt } from "./receipts";
import type { WireMessage } from "./wire";

/** The messages this host sends to other hosts' peers, as the database keeps them. */

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
  return getMessage(store, id);
}

/** What crosses to the recipient's host, from the stored message. */
export function wireOf(m: Message, thisHost: string): WireMessage {
  const personality = m.recipient.slice(0, m.recipient.indexOf("@"));
  return {
    v: 1,
    id: m.id,
    from: {
      personality: m.sender,
      host: thisHost,
      runtime: m.senderRuntime ?? "cli",
      intelligence: m.senderIntelligence ?? "natural",
    },
    to: { personality, host: m.toHost ?? "" },
    ...(m.runtime !== undefined && { runtime: m.runtime }),
    ...(m.topic !== undefined && { topic: m.topic }),
    body: m.body,
    attachments: m.attachments,
    createdAt: m.createdAt,
    ...(m.expiresAt !== undefined && { expiresAt: m.expiresAt }),
  };
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
    if (m.state === r.outcome && (m.error ?? undefined) === r.error) return undefined;
    store.db
      .query(
        `UPDATE messages SET state = ?1, error = ?2, updated_at = ?3, woke = MAX(woke, ?4),
           delivered_at = CASE WHEN ?1 = 'delivered' THEN ?3 ELSE delivered_at END WHERE id = ?5`,
      )
      .run(r.outcome, r.error ?? null, r.at, r.woke ? 1 : 0, r.id);
    return getMessage(store, r.id);
  });
}
