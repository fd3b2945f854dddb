import type { Intelligence } from "../codec/envelope";
import { type Host, nowOf } from "../home/host";
import { getPeer, type PeerRecord } from "../registry/registry";
import { takesFromInbox } from "../runtimes/telegram";
import {
  finishMessage,
  fromRow,
  getMessage,
  type Message,
  markDelivering,
  type Row,
  SELECT,
} from "./messages";
import { senderInfo } from "./sender";

/**
 * A bridge peer's inbox: its program (the built-in telegram bridge) takes its messages from the
 * daemon instead of having them typed into a terminal, and acknowledges each once it is passed
 * on. The queue's head is offered until it is acknowledged, so a bridge that dies or loses its
 * connection is offered the same message again: nothing is lost, nothing is skipped.
 */

/** Whether this peer's messages wait in its inbox for its bridge to take them. */
export function isInboxPeer(peer: PeerRecord): boolean {
  const runtime = peer.profile.defaultRuntime;
  return runtime === "telegram" && takesFromInbox(peer.profile.settings[runtime] ?? {});
}

/** The oldest message not yet passed on: one being passed on first, then the queue's head. */
export function inboxHead(host: Host, recipient: string): Message | undefined {
  const row = host.store.db
    .query(
      `${SELECT} WHERE recipient = ? AND state IN ('queued', 'delivering') ORDER BY seq LIMIT 1`,
    )
    .get(recipient) as Row | null;
  return row ? fromRow(row) : undefined;
}

/** Hand the head to the bridge: from here it is `delivering` until it is acknowledged. */
export function takeNext(host: Host, recipient: string): Message | undefined {
  // Looked at first without the write lock: a waiting bridge asks several times a second.
  if (!inboxHead(host, recipient)) return undefined;
  return host.store.write(() => {
    const head = inboxHead(host, recipient);
    if (!head) return undefined;
    if (head.state === "queued") markDelivering(host.store, head.id, nowOf(host));
    return getMessage(host.store, head.id);
  });
}

/** What the bridge is given: who sent it, as its envelope would say, and its text. */
export interface InboxMessage {
  id: string;
  from: string;
  runtime: string;
  intelligence: Intelligence;
  topic?: string;
  body: string;
  attachments: string[];
  createdAt: string;
}

export function toInboxMessage(host: Host, m: Message): InboxMessage {
  const sender = (m.senderRuntime !== undefined && m.fromHost !== undefined
    ? { runtime: m.senderRuntime, intelligence: m.senderIntelligence ?? ("natural" as const) }
    : undefined) ??
    senderInfo(host.store, m.sender) ?? { runtime: "cli", intelligence: "natural" as const };
  return {
    id: m.id,
    from: m.sender,
    runtime: sender.runtime,
    intelligence: sender.intelligence,
    ...(m.topic !== undefined && { topic: m.topic }),
    body: m.body,
    attachments: m.attachments,
    createdAt: m.createdAt,
  };
}

type AckOutcome = "delivered" | "failed";

type Acked = { ok: true; message: Message } | { ok: false; status: 403 | 404 | 409; error: string };

/**
 * The bridge passed it on (`delivered`), or cannot ever (`failed`, with why). Acknowledging a
 * message already finished the same way is a no-op: the bridge may retry an ack whose answer
 * it never got.
 */
export function ackMessage(
  host: Host,
  recipient: string,
  id: string,
  outcome: AckOutcome,
  error?: string,
): Acked {
  return host.store.write((): Acked => {
    const m = getMessage(host.store, id);
    if (!m) return { ok: false, status: 404, error: "no such message" };
    if (m.recipient !== recipient)
      return { ok: false, status: 403, error: `message ${id} is not for ${recipient}` };
    if (m.state === outcome) return { ok: true, message: m };
    if (m.state !== "delivering" && m.state !== "queued")
      return { ok: false, status: 409, error: `message ${id} is already ${m.state}` };
    finishMessage(host.store, id, outcome, nowOf(host), error ? { error } : {});
    host.deliveries.write("delivery", {
      id,
      from: m.sender,
      to: m.recipient,
      outcome,
      via: "inbox",
      ms: nowOf(host).getTime() - Date.parse(m.updatedAt),
      length: [...m.body].length,
      attempt: m.attempts || 1,
      ...(error && { error }),
    });
    return { ok: true, message: getMessage(host.store, id) as Message };
  });
}

/** The peer, when it exists and takes its messages from an inbox. */
export function inboxPeer(host: Host, personality: string): PeerRecord | undefined {
  const peer = getPeer(host.store, personality);
  return peer && isInboxPeer(peer) ? peer : undefined;
}
