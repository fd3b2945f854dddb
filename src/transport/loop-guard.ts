import { makeIdentity } from "../core/names";
import type { Host } from "../home/host";
import { getAgentState } from "../lifecycle/agent-states";
import { getPeer } from "../registry/registry";
import type { Store } from "../store/db";
import { handling, lastDelivered } from "./message-receipts";
import { HUMAN_SENDER } from "./sender";

/**
 * Agents that answer every message with a message would talk forever. A message an agent sends
 * while it handles another belongs to that one's conversation, one hop further; past the limit
 * the send is refused with words the agent can read. A rate per sender catches the rest.
 */

/** Without hooks, the message an agent handles is the last one typed into it this recently. */
const HANDLING_WINDOW_MS = 10 * 60_000;

export type Lineage =
  | { ok: true; conversation?: string; hops: number }
  | { ok: false; error: string; kind: "hops" | "rate" };

/** The message `from` is handling now, if any: its hooks' turn, else the last one typed in. */
function parentOf(host: Host, from: string, now: Date) {
  const peer = getPeer(host.store, from);
  if (!peer) return undefined;
  for (const runtime of peer.profile.runtimes) {
    const id = makeIdentity(runtime, from);
    if (!id.ok) continue;
    const state = getAgentState(host.store, id.value.identity);
    if (state && state.turn.length > 0) {
      const m = handling(host.store, from, state.turn);
      if (m) return m;
    }
  }
  return lastDelivered(host.store, from, new Date(now.getTime() - HANDLING_WINDOW_MS));
}

function sentInLastMinute(store: Store, from: string, now: Date): number {
  const row = store.db
    .query("SELECT COUNT(*) AS n FROM messages WHERE sender = ? AND created_at >= ?")
    .get(from, new Date(now.getTime() - 60_000).toISOString()) as { n: number };
  return row.n;
}

export function lineageOf(host: Host, from: string, now: Date): Lineage {
  if (from === HUMAN_SENDER) return { ok: true, hops: 0 };
  const rate = host.config.sendRate;
  if (sentInLastMinute(host.store, from, now) >= rate)
    return {
      ok: false,
      kind: "rate",
      error: `${from} has sent ${rate} messages in the last minute, the most allowed (IAPEER_SEND_RATE); wait before sending more`,
    };
  const parent = parentOf(host, from, now);
  if (!parent) return { ok: true, hops: 0 };
  const hops = parent.hops + 1;
  const max = host.config.maxHops;
  if (hops > max)
    return {
      ok: false,
      kind: "hops",
      error: `this conversation has gone ${max} hops between agents, the most allowed (IAPEER_MAX_HOPS); it stops here. Do not send it on: answer in your own reply, or ask a person`,
    };
  return { ok: true, conversation: parent.conversation ?? parent.id, hops };
}
