import { buildEnvelope } from "../codec/envelope";
import { validatePersonality, validateRuntime } from "../core/names";
import type { Party } from "../core/peer-pattern";
import type { Host } from "../home/host";
import { nowOf } from "../home/host";
import { getPeer } from "../registry/registry";
import { lineageOf } from "./loop-guard";
import { getMessage, insertMessage, type Message, messageByKey, newMessageId } from "./messages";
import { sendPolicyRefusal } from "./policy";
import { HUMAN_SENDER, type SenderInfo, senderInfo } from "./sender";
import type { SendOutcome, SendRequest } from "./types";

export type Accepted =
  /** `repeated`: a retry of a send already stored under the same key. */
  | { ok: true; message: Message; repeated?: boolean }
  /** `badInput`: the request itself is wrong (exit 2); otherwise it was refused (exit 1). */
  | { ok: false; badInput: boolean; outcome: SendOutcome };

export type Refused = Extract<Accepted, { ok: false }>;

export const refused = (error: string, badInput: boolean): Refused => ({
  ok: false,
  badInput,
  outcome: { ok: false, outcome: "failed", woke: false, error },
});

const formatParty = (p: Party): string =>
  p.host === undefined ? p.personality : `${p.personality}@${p.host}`;

/** A send's checks, and its id and time. */
export type Checked =
  | {
      ok: true;
      id: string;
      now: Date;
      createdAt: string;
      sender: SenderInfo;
      /** The conversation it continues, and its hops from that conversation's first message. */
      conversation?: string;
      hops: number;
    }
  | Refused;

/**
 * The runtime's name, the sender, whether the sender may send to `to` and `to` takes it from the
 * sender, and the envelope built once, so all is checked before anything is stored, for a peer
 * of this host or another.
 */
export function checkSend(host: Host, req: SendRequest, to: Party): Checked {
  if (req.runtime !== undefined) {
    const rt = validateRuntime(req.runtime);
    if (!rt.ok) return refused(rt.error, true);
  }
  const sender = senderInfo(host.store, req.from);
  if (!sender) {
    return refused(
      `unknown sender ${JSON.stringify(req.from)}: --from takes a peer's name, or ${HUMAN_SENDER} (the default)`,
      true,
    );
  }
  const policy = sendPolicyRefusal(host, req.from, to);
  if (policy) {
    host.events.write("send-refused", { from: req.from, to: formatParty(to), error: policy });
    return refused(policy, false);
  }
  const now = nowOf(host);
  const lineage = lineageOf(host, req.from, now);
  if (!lineage.ok) {
    host.events.write(lineage.kind === "hops" ? "loop-stopped" : "send-rate-limited", {
      from: req.from,
      to: formatParty(to),
      error: lineage.error,
    });
    return refused(lineage.error, false);
  }
  const id = newMessageId(now.getTime());
  const createdAt = now.toISOString();
  const envelope = buildEnvelope({
    id,
    ...sender,
    ts: createdAt,
    body: req.body,
    ...(req.topic !== undefined && { topic: req.topic }),
    ...(req.attachments && req.attachments.length > 0 && { attachments: req.attachments }),
  });
  if (!envelope.ok) return refused(envelope.error, true);
  return {
    ok: true,
    id,
    now,
    createdAt,
    sender,
    ...(lineage.conversation !== undefined && { conversation: lineage.conversation }),
    hops: lineage.hops,
  };
}

/**
 * Check a send and store it. Nothing is stored unless everything is valid; once stored, it is
 * never lost: the answer can only come after the message is in the database.
 */
export function acceptMessage(host: Host, req: SendRequest): Accepted {
  const to = validatePersonality(req.to);
  if (!to.ok) return refused(`recipient: ${to.error}`, true);
  const checked = checkSend(host, req, { personality: to.value, host: undefined });
  if (!checked.ok) return checked;
  const { id, createdAt, conversation, hops } = checked;
  return host.store.write((): Accepted => {
    if (req.key !== undefined) {
      // A key is its sender's own: the same key from someone else is another message.
      const earlier = messageByKey(host.store, req.from, req.to, req.key);
      if (earlier) return repeatOf(earlier, req);
    }
    const peer = getPeer(host.store, req.to);
    if (!peer) return refused(`no peer named ${req.to}; see \`iapeer list\``, false);
    if (req.runtime !== undefined && !peer.profile.runtimes.includes(req.runtime)) {
      return refused(
        `peer ${req.to} has no ${req.runtime} runtime (it has ${peer.profile.runtimes.join(", ")})`,
        false,
      );
    }
    if (peer.stopped && !req.defer) {
      return refused(
        `peer ${req.to} is stopped; start it first (\`iapeer start ${req.to}\`), or send with defer to keep the message until then`,
        false,
      );
    }
    insertMessage(host.store, {
      id,
      sender: req.from,
      recipient: req.to,
      ...(req.runtime !== undefined && { runtime: req.runtime }),
      ...(req.topic !== undefined && { topic: req.topic }),
      body: req.body,
      attachments: req.attachments ?? [],
      deferred: req.defer === true,
      ...(req.key !== undefined && { key: req.key }),
      createdAt,
      ...(conversation !== undefined && { conversation }),
      hops,
    });
    return { ok: true, message: getMessage(host.store, id) as Message };
  });
}

/**
 * A send under a key already used: the same text is a retry, answered with the first one's
 * record; another text would be dropped unseen, so it is refused, naming the key.
 */
export function repeatOf(earlier: Message, req: SendRequest): Accepted {
  if (earlier.body === req.body) return { ok: true, message: earlier, repeated: true };
  return refused(
    `the key ${JSON.stringify(req.key)} was used for another message to ${req.to} (${earlier.id}) with a different text; a new message needs a new key`,
    false,
  );
}

/** What the sender is told about a stored message, now. */
export function outcomeOf(message: Message): SendOutcome {
  const state = message.state;
  const outcome =
    state === "queued" || state === "delivering" || state === "forwarding" || state === "forwarded"
      ? "queued"
      : state;
  return {
    ok: outcome !== "failed",
    id: message.id,
    outcome,
    woke: message.woke,
    ...(message.error && { error: message.error }),
    ...(outcome === "queued" && message.held && { reason: message.held }),
    ...(message.receivedAt && { received: true }),
    ...(message.answeredAt && { answered: true, reply: message.reply ?? "" }),
  };
}
