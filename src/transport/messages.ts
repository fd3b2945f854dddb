import { randomBytes } from "node:crypto";
import type { Intelligence } from "../codec/envelope";
import type { Store } from "../store/db";
import type { Outcome } from "./types";

/** A stored message and its receipt trail. */
export interface Message {
  seq: number;
  id: string;
  sender: string;
  recipient: string;
  runtime?: string;
  topic?: string;
  body: string;
  attachments: string[];
  /** `forwarding`: for another host, stored and not yet taken by the mesh; `forwarded`: taken. */
  state: "queued" | "delivering" | "forwarding" | "forwarded" | Exclude<Outcome, "queued">;
  attempts: number;
  woke: boolean;
  error?: string;
  createdAt: string;
  updatedAt: string;
  deliveredAt?: string;
  /** When its text was pasted into the session: from then on it may be on screen. */
  /** When its paste began: from then on its text may be in the session. */
  typingAt?: string;
  typedAt?: string;
  /** Kept for a stopped recipient until it is started. */
  deferred: boolean;
  /** For a peer of another host: that host (the recipient is `<personality>@<host>`). */
  toHost?: string;
  /** From another host: that host, which is told the outcome (the sender is `<name>@<host>`). */
  fromHost?: string;
  /** The sender's runtime and intelligence, for the envelope, when the sender is not of this host. */
  senderRuntime?: string;
  senderIntelligence?: Intelligence;
  /** For another host: past this, it is no longer delivered. */
  expiresAt?: string;
  /** When the mesh's stream took it. */
  forwardedAt?: string;
  /** From another host: the outcome its origin has been told of. */
  receiptOutcome?: string;
  /** The agent's own record shows the prompt that carried it. */
  receivedAt?: string;
  /** The turn that handled it ended, with this reply. */
  answeredAt?: string;
  reply?: string;
  /** The last turn that handled it failed, in the agent's words; how many did. */
  turnError?: string;
  turnFailures: number;
  /** The conversation it belongs to (the id of its first message) and its hops from there. */
  conversation?: string;
  hops: number;
  /** Why a queued message waits (a dialog, a draft, a limit, a turn running). */
  held?: string;
}

export interface Row {
  seq: number;
  id: string;
  sender: string;
  recipient: string;
  runtime: string | null;
  topic: string | null;
  body: string;
  attachments: string;
  state: string;
  attempts: number;
  woke: number;
  error: string | null;
  created_at: string;
  updated_at: string;
  typed_at: string | null;
  typing_at: string | null;
  delivered_at: string | null;
  to_host: string | null;
  from_host: string | null;
  sender_runtime: string | null;
  sender_intelligence: string | null;
  expires_at: string | null;
  forwarded_at: string | null;
  receipt_outcome: string | null;
  received_at: string | null;
  answered_at: string | null;
  reply: string | null;
  turn_error: string | null;
  turn_failures: number;
  conversation: string | null;
  hops: number;
  held: string | null;
}

const DEFERRED = "deferred";

export function fromRow(r: Row): Message {
  return {
    seq: r.seq,
    id: r.id,
    sender: r.sender,
    recipient: r.recipient,
    ...(r.runtime !== null && { runtime: r.runtime }),
    ...(r.topic !== null && { topic: r.topic }),
    body: r.body,
    attachments: JSON.parse(r.attachments) as string[],
    state: r.state as Message["state"],
    attempts: r.attempts,
    woke: r.woke === 1,
    ...(r.error !== null && r.error !== DEFERRED && { error: r.error }),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ...(r.delivered_at !== null && { deliveredAt: r.delivered_at }),
    ...(r.typed_at !== null && { typedAt: r.typed_at }),
    ...(r.typing_at !== null && r.typing_at !== undefined && { typingAt: r.typing_at }),
    deferred: r.error === DEFERRED,
    ...(r.to_host !== null && { toHost: r.to_host }),
    ...(r.from_host !== null && { fromHost: r.from_host }),
    ...(r.sender_runtime !== null && { senderRuntime: r.sender_runtime }),
    ...(r.sender_intelligence !== null && {
      senderIntelligence: r.sender_intelligence as Intelligence,
    }),
    ...(r.expires_at !== null && { expiresAt: r.expires_at }),
    ...(r.forwarded_at !== null && { forwardedAt: r.forwarded_at }),
    ...(r.receipt_outcome !== null && { receiptOutcome: r.receipt_outcome }),
    ...(r.received_at !== null && { receivedAt: r.received_at }),
    ...(r.answered_at !== null && { answeredAt: r.answered_at }),
    ...(r.reply !== null && { reply: r.reply }),
    ...(r.turn_error !== null && { turnError: r.turn_error }),
    turnFailures: r.turn_failures ?? 0,
    ...(r.conversation !== null && { conversation: r.conversation }),
    hops: r.hops ?? 0,
    ...(r.held !== null && { held: r.held }),
  };
}

/** Time-ordered and unguessable: `m_<ms in base36>_<8 random bytes hex>`. */
export function newMessageId(now = Date.now()): string {
  return `m_${now.toString(36)}_${randomBytes(8).toString("hex")}`;
}

type NewMessage = Pick<
  Message,
  | "id"
  | "sender"
  | "recipient"
  | "runtime"
  | "topic"
  | "body"
  | "attachments"
  | "deferred"
  | "createdAt"
  | "toHost"
  | "senderRuntime"
  | "senderIntelligence"
  | "expiresAt"
  | "conversation"
> & { key?: string; hops?: number };

/** Stored before the sender gets any answer: from here on the message is not lost. */
export function insertMessage(store: Store, m: NewMessage): void {
  store.db
    .query(
      `INSERT INTO messages (id, client_key, sender, recipient, runtime, topic, body, attachments, state, error, created_at, updated_at,
         to_host, sender_runtime, sender_intelligence, expires_at, conversation, hops)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      m.id,
      m.key ?? null,
      m.sender,
      m.recipient,
      m.runtime ?? null,
      m.topic ?? null,
      m.body,
      JSON.stringify(m.attachments),
      // Another host's peer: it waits for the mesh, never for this host's delivery workers.
      m.toHost === undefined ? "queued" : "forwarding",
      m.deferred ? DEFERRED : null,
      m.createdAt,
      m.createdAt,
      m.toHost ?? null,
      m.senderRuntime ?? null,
      m.senderIntelligence ?? null,
      m.expiresAt ?? null,
      m.conversation ?? null,
      m.hops ?? 0,
    );
}

export const SELECT = "SELECT * FROM messages";

export function getMessage(store: Store, id: string): Message | undefined {
  const row = store.db.query(`${SELECT} WHERE id = ?`).get(id) as Row | null;
  return row ? fromRow(row) : undefined;
}

export function messageByKey(
  store: Store,
  sender: string,
  recipient: string,
  key: string,
): Message | undefined {
  const row = store.db
    .query(`${SELECT} WHERE sender = ? AND recipient = ? AND client_key = ?`)
    .get(sender, recipient, key) as Row | null;
  return row ? fromRow(row) : undefined;
}

/** The oldest message for a recipient that is waiting to be delivered: per-recipient FIFO. */
export function nextQueued(store: Store, recipient: string): Message | undefined {
  const row = store.db
    .query(`${SELECT} WHERE recipient = ? AND state = 'queued' ORDER BY seq LIMIT 1`)
    .get(recipient) as Row | null;
  return row ? fromRow(row) : undefined;
}

/** Recipients with work: messages waiting, or left mid-delivery by a process that died. */
export function recipientsWithWork(store: Store): string[] {
  const rows = store.db
    .query("SELECT DISTINCT recipient FROM messages WHERE state IN ('queued', 'delivering')")
    .all() as { recipient: string }[];
  return rows.map((r) => r.recipient);
}

/** A message's trail without its body (asked for on its own): what a peer's view lists. */
type MessageSummary = Omit<Message, "body" | "attachments"> & { attachments: number };

/** The last messages a peer sent or received, newest first. */
export function recentMessages(store: Store, personality: string, limit = 50): MessageSummary[] {
  const rows = store.db
    .query(`${SELECT} WHERE sender = ?1 OR recipient = ?1 ORDER BY seq DESC LIMIT ?2`)
    .all(personality, limit) as Row[];
  return rows.map((r) => {
    const { body: _body, attachments, ...rest } = fromRow(r);
    return { ...rest, attachments: attachments.length };
  });
}

export interface RecipientCounts {
  recipient: string;
  /** The runtime asked for; null means the recipient's default. */
  runtime: string | null;
  /** Queued or being delivered now. */
  waiting: number;
  /** Delivered since the time given. */
  delivered: number;
}

/** Per recipient and runtime: what waits, and what was delivered since `since` (ISO time). */
export function recipientCounts(store: Store, since: string): RecipientCounts[] {
  return store.db
    .query(
      `SELECT recipient, runtime,
         SUM(state IN ('queued', 'delivering')) AS waiting,
         SUM(state = 'delivered' AND delivered_at > ?1) AS delivered
       FROM messages WHERE state IN ('queued', 'delivering') OR delivered_at > ?1
       GROUP BY recipient, runtime`,
    )
    .all(since) as RecipientCounts[];
}

/** Messages waiting per recipient and runtime (null: its default runtime), for `list`'s QUEUE. */
export function waitingCounts(
  store: Store,
): { recipient: string; runtime: string | null; waiting: number }[] {
  return store.db
    .query(
      `SELECT recipient, runtime, COUNT(*) AS waiting FROM messages
       WHERE state IN ('queued', 'delivering') GROUP BY recipient, runtime`,
    )
    .all() as { recipient: string; runtime: string | null; waiting: number }[];
}

export function inFlight(store: Store, recipient: string): Message[] {
  const rows = store.db
    .query(`${SELECT} WHERE recipient = ? AND state = 'delivering' ORDER BY seq`)
    .all(recipient) as Row[];
  return rows.map(fromRow);
}

/** queued → delivering: one more attempt, whose outcome is unknown until it is finished. */
export function markDelivering(store: Store, id: string, now: Date): void {
  store.db
    .query(
      "UPDATE messages SET state = 'delivering', attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'queued'",
    )
    .run(now.toISOString(), id);
}

export function finishMessage(
  store: Store,
  id: string,
  outcome: Exclude<Outcome, "queued">,
  now: Date,
  extra: { woke?: boolean; error?: string } = {},
): void {
  store.db
    .query(
      `UPDATE messages SET state = ?, updated_at = ?, error = ?, woke = MAX(woke, ?), held = NULL,
         delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END WHERE id = ?`,
    )
    .run(
      outcome,
      now.toISOString(),
      extra.error ?? null,
      extra.woke ? 1 : 0,
      outcome,
      now.toISOString(),
      id,
    );
}

/**
 * Its paste is about to begin. Committed before the paste, so that a process killed during it
 * leaves a trace: the next one looks for the text before typing anything.
 */
export function markTyping(store: Store, id: string, now: Date): void {
  store.db.query("UPDATE messages SET typing_at = ? WHERE id = ?").run(now.toISOString(), id);
}

/** Its text went into the session: a restart must not type it again. */
export function markTyped(store: Store, id: string, now: Date): void {
  store.db.query("UPDATE messages SET typed_at = ? WHERE id = ?").run(now.toISOString(), id);
}

/** Back to the queue: its delivery never reached the screen. */
export function requeue(
  store: Store,
  id: string,
  now: Date,
  woke = false,
  /** Held back before anything was typed: the attempt does not count. */
  uncounted = false,
): void {
  store.db
    .query(
      `UPDATE messages SET state = 'queued', typing_at = NULL, typed_at = NULL, updated_at = ?, woke = MAX(woke, ?),
         attempts = attempts - ? WHERE id = ?`,
    )
    .run(now.toISOString(), woke ? 1 : 0, uncounted ? 1 : 0, id);
}

/** Each delivery since `since`, oldest first: the dashboard's timeline. */
export function deliveriesSince(
  store: Store,
  since: string,
): { recipient: string; runtime: string | null; delivered_at: string }[] {
  return store.db
    .query(
      "SELECT recipient, runtime, delivered_at FROM messages WHERE delivered_at > ? ORDER BY delivered_at",
    )
    .all(since) as { recipient: string; runtime: string | null; delivered_at: string }[];
}

interface SenderPair {
  from: string;
  to: string;
  count: number;
  delivered: number;
}

/** Who sent to whom since `since`, and how much of it was delivered: the dashboard's graph. */
export function senderPairsSince(store: Store, since: string): SenderPair[] {
  return store.db
    .query(
      `SELECT sender AS "from", recipient AS "to", COUNT(*) AS count,
         SUM(state = 'delivered') AS delivered
       FROM messages WHERE created_at > ? GROUP BY sender, recipient ORDER BY count DESC`,
    )
    .all(since) as SenderPair[];
}
