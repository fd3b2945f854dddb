import type { StoredEvent } from "../store/journal";
import type { PendingReceipt } from "./bridge-state";
import { react, say } from "./chat-calls";
import { chatMessages } from "./chat-text";
import type { Bridge } from "./context";

/**
 * A person's message, once sent to a peer, comes back as receipts threaded to it in the chat: a
 * reaction when the agent's own record shows it `received` (a short reply where the chat takes
 * no reactions), then the agent's reply when the turn that handled it ended (`answered`), or why
 * it never will be. The daemon's `receipt` events say when; a slow look at each message waiting
 * catches what events do not tell (a peer of another host, a bridge that was down).
 */

/** What the phone shows on a message its peer received: "seen". */
export const RECEIVED_EMOJI = "👀";
/** A message not answered in a day is no longer waited for. */
const KEEP_MS = 24 * 3600_000;
/** The most messages waited for at once; the oldest go first. */
const MAX_PENDING = 200;

/** Wait for this message's receipts (called once the daemon stored it). */
export function awaitReceipts(
  bridge: Bridge,
  r: { id: string | undefined; to: string; chat: number; messageId: number },
): void {
  const id = r.id;
  if (id === undefined || bridge.memory.pending.some((p) => p.id === id)) return;
  bridge.memory.pending.push({ ...r, id, since: new Date().toISOString() });
  bridge.memory.pending.splice(0, bridge.memory.pending.length - MAX_PENDING);
  bridge.remember();
}

/** A `receipt` event for one of the chat's messages. Callers hold `bridge.serially`. */
export async function onReceipt(bridge: Bridge, e: StoredEvent): Promise<void> {
  const p = bridge.memory.pending.find((x) => x.id === e.message_id);
  if (!p) return;
  if (e.step === "received") await tick(bridge, p);
  else if (e.step === "answered" || e.step === "failed") await settle(bridge, p);
}

/** Look at every message waited for: what events did not tell. Callers hold `bridge.serially`. */
export async function sweepReceipts(bridge: Bridge): Promise<void> {
  const old = new Date(Date.now() - KEEP_MS).toISOString();
  for (const p of [...bridge.memory.pending]) {
    if (bridge.stop.aborted) return;
    if (p.since < old) forget(bridge, p);
    else await settle(bridge, p);
  }
}

async function tick(bridge: Bridge, p: PendingReceipt): Promise<void> {
  if (p.received) return;
  p.received = true;
  bridge.remember();
  const reacted = await react(bridge, p.chat, p.messageId, RECEIVED_EMOJI);
  if (!reacted) await say(bridge, p.chat, `✓ ${p.to} has it`, p.messageId);
  bridge.log("chat-receipt", { id: p.id, step: "received", reaction: reacted });
}

/** The reply, or why there is none, once the daemon has it; else the tick if it is due. */
async function settle(bridge: Bridge, p: PendingReceipt): Promise<void> {
  const got = await bridge.daemon.message(p.id);
  if (!got.ok) return bridge.log("daemon-unreachable", { error: got.error });
  const m = got.value;
  if (!m) return forget(bridge, p);
  if (m.answeredAt !== undefined) {
    const reply = m.reply?.trim() ? m.reply : "(answered without words)";
    for (const part of chatMessages(p.to, reply)) await say(bridge, p.chat, part, p.messageId);
    bridge.log("chat-receipt", { id: p.id, step: "answered" });
    return forget(bridge, p);
  }
  if (m.state === "failed") {
    await say(bridge, p.chat, `Not answered: ${m.error ?? m.state}`, p.messageId);
    bridge.log("chat-receipt", { id: p.id, step: m.state });
    return forget(bridge, p);
  }
  if (m.receivedAt !== undefined) await tick(bridge, p);
}

function forget(bridge: Bridge, p: PendingReceipt): void {
  bridge.memory.pending = bridge.memory.pending.filter((x) => x.id !== p.id);
  bridge.remember();
}
