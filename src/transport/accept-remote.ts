import { buildEnvelope } from "../codec/envelope";
import { validateRuntime } from "../core/names";
import { type Host, nowOf } from "../lifecycle/context";
import type { Accepted } from "./accept";
import { getMessage, insertMessage, type Message, messageByKey, newMessageId } from "./messages";
import { HUMAN_SENDER, senderInfo } from "./sender";
import type { SendRequest } from "./types";

const refused = (error: string, badInput: boolean): Accepted => ({
  ok: false,
  badInput,
  outcome: { ok: false, outcome: "failed", woke: false, error },
});

/**
 * Check a send to a peer of another host and store it, to be forwarded through the mesh: the
 * same checks as a local send, but whether the peer exists (and has that runtime) is for its
 * host to say, in its receipt.
 */
export function acceptRemote(
  host: Host,
  req: SendRequest,
  to: { personality: string; host: string },
): Accepted {
  if (req.runtime !== undefined) {
    const rt = validateRuntime(req.runtime);
    if (!rt.ok) return refused(rt.error, true);
  }
  if (req.defer) {
    return refused(
      `defer keeps a message for a stopped peer of this host; ${to.personality}@${to.host} is on another host`,
      true,
    );
  }
  const sender = senderInfo(host.store, req.from);
  if (!sender) {
    return refused(
      `unknown sender ${JSON.stringify(req.from)}: --from takes a peer's name, or ${HUMAN_SENDER} (the default)`,
      true,
    );
  }
  const now = nowOf(host);
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
  const recipient = `${to.personality}@${to.host}`;
  return host.store.write((): Accepted => {
    if (req.key !== undefined) {
      const earlier = messageByKey(host.store, req.from, recipient, req.key);
      if (earlier) return { ok: true, message: earlier, repeated: true };
    }
    insertMessage(host.store, {
      id,
      sender: req.from,
      recipient,
      ...(req.runtime !== undefined && { runtime: req.runtime }),
      ...(req.topic !== undefined && { topic: req.topic }),
      body: req.body,
      attachments: req.attachments ?? [],
      deferred: false,
      ...(req.key !== undefined && { key: req.key }),
      createdAt,
      toHost: to.host,
      senderRuntime: sender.runtime,
      senderIntelligence: sender.intelligence,
      expiresAt: new Date(now.getTime() + host.config.meshTtlSecs * 1000).toISOString(),
    });
    return { ok: true, message: getMessage(host.store, id) as Message };
  });
}
