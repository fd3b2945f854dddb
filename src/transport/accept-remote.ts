import type { Host } from "../home/host";
import { type Accepted, checkSend, refused, repeatOf } from "./accept";
import { getMessage, insertMessage, type Message, messageByKey } from "./messages";
import type { SendRequest } from "./types";

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
  if (req.defer) {
    return refused(
      `defer keeps a message for a stopped peer of this host; ${to.personality}@${to.host} is on another host`,
      true,
    );
  }
  const checked = checkSend(host, req, to);
  if (!checked.ok) return checked;
  const { id, now, createdAt, sender, conversation, hops } = checked;
  const recipient = `${to.personality}@${to.host}`;
  return host.store.write((): Accepted => {
    if (req.key !== undefined) {
      const earlier = messageByKey(host.store, req.from, recipient, req.key);
      if (earlier) return repeatOf(earlier, req);
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
      ...(conversation !== undefined && { conversation }),
      hops,
    });
    return { ok: true, message: getMessage(host.store, id) as Message };
  });
}
