import { validatePersonality } from "../core/names";
import { type Host, nowOf } from "../home/host";
import { ackMessage, inboxPeer, takeNext, toInboxMessage } from "../transport/inbox";
import { getMessage, recipientCounts } from "../transport/messages";

/** The longest a bridge's inbox request is held open while nothing waits for it. */
const MAX_INBOX_WAIT_SECS = 60;
/** How often a held inbox request looks for a new message. */
const INBOX_POLL_MS = 200;

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/**
 * The bridge's routes, or undefined when the request is not one of them:
 * - `GET /v1/peers/<p>/inbox?wait=<secs>`: the next message for the bridge peer `p`, held open
 *   up to `wait` seconds while there is none (`{"message": null}`);
 * - `POST /v1/messages/<id>/ack` `{"outcome": "delivered"|"failed", "error"?}`: it was passed on;
 * - `GET /v1/queue`: what waits, per recipient.
 * `peer` is the caller proven by its token (TCP); undefined is the local user (the unix socket).
 */
export async function bridgeRoute(
  req: Request,
  url: URL,
  host: Host,
  peer: string | undefined,
): Promise<Response | undefined> {
  const path = url.pathname;
  const inbox = /^\/v1\/peers\/([^/]+)\/inbox$/.exec(path);
  if (req.method === "GET" && inbox) {
    const name = validatePersonality(decodeURIComponent(inbox[1] as string));
    if (!name.ok) return json(400, { error: name.error });
    if (peer !== undefined && peer !== name.value)
      return json(403, { error: "a peer may take only its own messages" });
    if (!inboxPeer(host, name.value))
      return json(409, {
        error: `peer ${name.value} does not take its messages from an inbox (only a telegram peer running the built-in bridge does)`,
      });
    const wait = Number(url.searchParams.get("wait") ?? "0");
    if (!Number.isFinite(wait) || wait < 0 || wait > MAX_INBOX_WAIT_SECS)
      return json(400, { error: `wait must be 0 to ${MAX_INBOX_WAIT_SECS} seconds` });
    for (const deadline = Date.now() + wait * 1000; ; await Bun.sleep(INBOX_POLL_MS)) {
      // Stopped or no longer a bridge peer meanwhile: nothing more for this bridge.
      const taken = inboxPeer(host, name.value) ? takeNext(host, name.value) : undefined;
      if (taken) return json(200, { message: toInboxMessage(host, taken) });
      if (Date.now() >= deadline || req.signal.aborted) return json(200, { message: null });
    }
  }
  const ack = /^\/v1\/messages\/([A-Za-z0-9_-]+)\/ack$/.exec(path);
  if (req.method === "POST" && ack) {
    const id = ack[1] as string;
    const body = (await req.json().catch(() => undefined)) as
      | { outcome?: unknown; error?: unknown }
      | undefined;
    if (!body || (body.outcome !== "delivered" && body.outcome !== "failed"))
      return json(400, { error: 'ack needs "outcome": "delivered" or "failed"' });
    if (body.error !== undefined && typeof body.error !== "string")
      return json(400, { error: '"error" must be a string' });
    const recipient = getMessage(host.store, id)?.recipient;
    if (!recipient) return json(404, { error: "no such message" });
    if (peer !== undefined && peer !== recipient)
      return json(403, { error: "only its recipient may acknowledge a message" });
    if (!inboxPeer(host, recipient))
      return json(409, { error: `peer ${recipient} does not take its messages from an inbox` });
    const acked = ackMessage(host, recipient, id, body.outcome, body.error);
    return acked.ok
      ? json(200, { ok: true, id, state: acked.message.state })
      : json(acked.status, { ok: false, error: acked.error });
  }
  if (req.method === "GET" && path === "/v1/queue") {
    const since = new Date(nowOf(host).getTime() - 3_600_000).toISOString();
    return json(200, recipientCounts(host.store, since));
  }
  return undefined;
}
