import type { Intelligence } from "../codec/envelope";
import { HUMAN_SENDER } from "../core/names";
import { getPeer } from "../registry/registry";
import type { Store } from "../store/db";

export { HUMAN_SENDER };

export interface SenderInfo {
  from: string;
  runtime: string;
  intelligence: Intelligence;
}

/** Who a message is from, as the envelope says it; undefined when the sender is not known. */
export function senderInfo(store: Store, from: string): SenderInfo | undefined {
  if (from === HUMAN_SENDER) return { from, runtime: "cli", intelligence: "natural" };
  const peer = getPeer(store, from);
  return peer
    ? { from, runtime: peer.profile.defaultRuntime, intelligence: peer.profile.intelligence }
    : undefined;
}
