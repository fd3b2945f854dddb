import type { InboxMessage } from "../transport/inbox";
import { persist } from "./bot-api";
import { chatMessages } from "./chat-text";
import { type Bridge, pause } from "./context";

/** How long one inbox request waits for a message before asking again. */
const INBOX_WAIT_SECS = 25;

/**
 * Daemon → chat: take each message from the inbox, write it to every allowed chat, and only
 * then acknowledge it. A crash or an outage before the ack means it is offered again.
 */
export async function passOnMessages(bridge: Bridge): Promise<void> {
  while (!bridge.stop.aborted) {
    const next = await bridge.daemon.inbox(INBOX_WAIT_SECS);
    if (!next.ok) {
      bridge.log("daemon-unreachable", { error: next.error });
      await pause(bridge);
      continue;
    }
    if (!next.value) continue;
    const m = next.value;
    const result = await toChats(bridge, m);
    if (bridge.stop.aborted) return;
    for (;;) {
      const acked = await bridge.daemon.ack(
        m.id,
        result.ok ? "delivered" : "failed",
        result.ok ? undefined : result.error,
      );
      if (acked.ok || bridge.stop.aborted) break;
      bridge.log("daemon-unreachable", { error: acked.error });
      await pause(bridge);
    }
  }
}

type ToChats = { ok: true } | { ok: false; error: string };

/** Every part to every allowed chat; it is passed on when at least one chat has all of it. */
async function toChats(bridge: Bridge, m: InboxMessage): Promise<ToChats> {
  const parts = chatMessages(m.from, m.body, m.topic);
  const refusals: string[] = [];
  for (const chat of bridge.settings.chats) {
    let refused: string | undefined;
    for (const text of parts) {
      const sent = await persist(
        () =>
          bridge.api.call("sendMessage", {
            chat_id: chat,
            text,
            link_preview_options: { is_disabled: true },
          }),
        (why, waitMs) => bridge.log("telegram-retry", { id: m.id, chat, why, wait_ms: waitMs }),
        bridge.stop,
      );
      if (sent.kind !== "ok") {
        refused = sent.why;
        break;
      }
    }
    if (bridge.stop.aborted) return { ok: false, error: "stopping" };
    if (refused === undefined) {
      bridge.log("telegram-sent", { id: m.id, from: m.from, chat, parts: parts.length });
    } else {
      bridge.log("telegram-refused", { id: m.id, chat, why: refused });
      refusals.push(`chat ${chat}: ${refused}`);
    }
  }
  return refusals.length < bridge.settings.chats.length
    ? { ok: true }
    : { ok: false, error: `Telegram refused it: ${refusals.join("; ")}` };
}
