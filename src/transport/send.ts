import type { Host } from "../home/host";
import { getPeer } from "../registry/registry";
import { type Accepted, acceptMessage, outcomeOf } from "./accept";
import { acceptRemote } from "./accept-remote";
import type { Dispatcher } from "./dispatcher";
import { nextMessageChange } from "./message-changes";
import { getMessage, type Message } from "./messages";
import { type MeshRoute, targetOf } from "./route";
import type { SendOutcome, SendRequest } from "./types";

/** The longest a waiting sender waits: a boot, a held draft, the typing. */
const SEND_WAIT_MS = 180_000;

export interface SendResult {
  outcome: SendOutcome;
  /** The request itself was wrong (exit 2). */
  badInput: boolean;
}

/**
 * Store the message, hand it to its recipient's worker and, with `wait`, wait for the outcome.
 */
export async function send(
  host: Host,
  dispatcher: Dispatcher,
  req: SendRequest,
  wait: boolean,
  /** This daemon's way into the mesh; none without IAPEER_NATS_URL. */
  route?: MeshRoute,
): Promise<SendResult> {
  const target = await targetOf(host, req.to, route);
  if (target.kind === "refused") {
    return {
      outcome: { ok: false, outcome: "failed", woke: false, error: target.error },
      badInput: target.badInput,
    };
  }
  if (target.kind === "remote") return sendRemote(host, req, target, wait, route);
  const accepted: Accepted = acceptMessage(host, { ...req, to: target.personality });
  if (!accepted.ok) return { outcome: accepted.outcome, badInput: accepted.badInput };
  const m = accepted.message;
  if (!accepted.repeated) recordQueued(host, m);
  // Kept for a stopped peer: nothing will happen before `start`, so there is nothing to wait for.
  if (getPeer(host.store, m.recipient)?.stopped) return { outcome: outcomeOf(m), badInput: false };
  void dispatcher.kick(m.recipient);
  // This message's own outcome, not the end of the recipient's whole queue.
  if (wait) await dispatcher.settle(m.id, m.recipient, SEND_WAIT_MS);
  return { outcome: outcomeOf(getMessage(host.store, m.id) as Message), badInput: false };
}

/** The journal's line for a message newly stored (never for a keyed retry of one). */
function recordQueued(host: Host, m: Message): void {
  host.events.write("message-queued", {
    id: m.id,
    from: m.sender,
    to: m.recipient,
    length: [...m.body].length,
  });
}

const FINAL = new Set<Message["state"]>(["delivered", "unconfirmed", "failed"]);

/**
 * Store a message for another host's peer; the daemon's mesh forwards it and, with `wait`, its
 * host's receipt ends the wait. Without the daemon (a CLI process) it waits in the database for
 * the daemon to start.
 */
async function sendRemote(
  host: Host,
  req: SendRequest,
  to: { personality: string; host: string },
  wait: boolean,
  route?: MeshRoute,
): Promise<SendResult> {
  const accepted = acceptRemote(host, req, to);
  if (!accepted.ok) return { outcome: accepted.outcome, badInput: accepted.badInput };
  const m = accepted.message;
  if (!accepted.repeated) recordQueued(host, m);
  if (!route) return { outcome: outcomeOf(m), badInput: false };
  route.forward();
  const deadline = Date.now() + SEND_WAIT_MS;
  let now = m;
  // While the mesh is away, the answer is `queued` at once: it goes when the mesh is back.
  while (wait && !FINAL.has(now.state) && Date.now() < deadline && route.up()) {
    // Woken by the receipt's transition; the ceiling keeps an eye on the mesh going away.
    await nextMessageChange(Math.min(500, deadline - Date.now()));
    now = getMessage(host.store, m.id) ?? now;
  }
  return { outcome: outcomeOf(now), badInput: false };
}
