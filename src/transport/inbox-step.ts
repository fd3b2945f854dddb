import { makeIdentity } from "../core/names";
import { type Host, nowOf } from "../home/host";
import { getSession } from "../lifecycle/sessions";
import { isLive, wakeOrSpawn } from "../lifecycle/wake";
import { getPeer } from "../registry/registry";
import type { Step } from "./dispatch";
import { inboxHead, isInboxPeer } from "./inbox";
import { finishMessage } from "./messages";

/**
 * The delivery worker's step for a peer whose bridge takes its messages from the inbox
 * (undefined for any other peer): nothing is typed, the bridge is only woken when something
 * waits for it. It runs before the worker's recovery of messages left `delivering`, which for
 * an inbox are simply being passed on.
 */
export async function inboxStep(host: Host, recipient: string): Promise<Step | undefined> {
  const peer = getPeer(host.store, recipient);
  if (!peer || !isInboxPeer(peer)) return undefined;
  const head = inboxHead(host, recipient);
  if (!head) return "idle";
  const fail = (error: string): Step => {
    host.store.write(() => finishMessage(host.store, head.id, "failed", nowOf(host), { error }));
    host.deliveries.write("delivery", {
      id: head.id,
      from: head.sender,
      to: recipient,
      outcome: "failed",
      via: "inbox",
      error,
    });
    return "delivered-one";
  };
  if (peer.stopped) return head.deferred ? "blocked" : fail(`peer ${recipient} is stopped`);
  // Its service manager holds it; the bridge takes the message once it is up.
  if (peer.profile.wake === "always-on") return "blocked";
  const id = makeIdentity(peer.profile.defaultRuntime, recipient);
  if (id.ok && isLive(getSession(host.store, id.value.identity))) return "blocked";
  const woke = await wakeOrSpawn(host, recipient);
  if (!woke.ok && woke.refusal !== "busy") return fail(woke.error);
  return "blocked";
}
