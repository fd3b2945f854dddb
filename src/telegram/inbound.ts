import { persist } from "./bot-api";
import { handleButton } from "./buttons";
import { readChatMessage } from "./chat-text";
import { answerCommand, HELP } from "./commands";
import { type Bridge, pause } from "./context";
import type { TgMessage, TgUpdate } from "./updates";

/** How long one getUpdates waits for something to happen (long polling). */
const POLL_SECS = 25;
const REFUSED_PAUSE_MS = 5000;

/**
 * Chat → daemon: long-poll Telegram for updates and pass each on before asking for the next.
 * An update is confirmed to Telegram (the next offset) only once it was handled, so a crash
 * hears it again; its send key makes the second hearing harmless.
 */
export async function hearChats(bridge: Bridge): Promise<void> {
  let offset: number | undefined;
  while (!bridge.stop.aborted) {
    const got = await persist<TgUpdate[]>(
      () =>
        bridge.api.call(
          "getUpdates",
          {
            ...(offset !== undefined && { offset }),
            timeout: POLL_SECS,
            allowed_updates: ["message", "callback_query"],
          },
          (POLL_SECS + 15) * 1000,
        ),
      (why, waitMs) => bridge.log("telegram-retry", { call: "getUpdates", why, wait_ms: waitMs }),
      bridge.stop,
    );
    if (got.kind !== "ok") {
      if (bridge.stop.aborted) return;
      bridge.log("telegram-refused", { call: "getUpdates", why: got.why });
      await pause(bridge, REFUSED_PAUSE_MS);
      continue;
    }
    for (const update of got.result) {
      if (bridge.stop.aborted) return;
      await handleUpdate(bridge, update);
      offset = update.update_id + 1;
    }
  }
}

const allowed = (bridge: Bridge, chat: number | undefined): boolean =>
  chat !== undefined && bridge.settings.chats.includes(String(chat));

async function handleUpdate(bridge: Bridge, update: TgUpdate): Promise<void> {
  if (update.message) {
    const m = update.message;
    if (!allowed(bridge, m.chat.id)) return stranger(bridge, m.chat.id, m.from?.id);
    // Another bot in an allowed group is no person: answering it could loop the two bots.
    if (m.from?.is_bot)
      return bridge.log("telegram-bot-ignored", { chat: m.chat.id, user: m.from.id });
    return handleMessage(bridge, m);
  }
  if (update.callback_query) {
    const q = update.callback_query;
    const chat = q.message?.chat.id ?? q.from.id;
    if (!allowed(bridge, chat)) return stranger(bridge, chat, q.from.id);
    return handleButton(bridge, q);
  }
}

/** Someone not on the allow-list: they get nothing, and only their ids are written down. */
function stranger(bridge: Bridge, chat: number, user: number | undefined): void {
  bridge.log("telegram-stranger", { chat, user });
}

/** Write into a chat, retrying an outage; a chat that refuses is only logged. */
export async function say(bridge: Bridge, chat: number, text: string, replyTo?: number) {
  const sent = await persist(
    () =>
      bridge.api.call("sendMessage", {
        chat_id: chat,
        text,
        link_preview_options: { is_disabled: true },
        ...(replyTo !== undefined && {
          reply_parameters: { message_id: replyTo, allow_sending_without_reply: true },
        }),
      }),
    (why, waitMs) => bridge.log("telegram-retry", { chat, why, wait_ms: waitMs }),
    bridge.stop,
  );
  if (sent.kind !== "ok") bridge.log("telegram-refused", { chat, why: sent.why });
}

async function handleMessage(bridge: Bridge, m: TgMessage): Promise<void> {
  const text = m.text ?? m.caption;
  if (text === undefined) return say(bridge, m.chat.id, "Only text is carried.", m.message_id);
  // Only a reply to this bot's own message names a peer by its header.
  const reply = m.reply_to_message;
  const ours = reply?.from !== undefined && reply.from.id === bridge.botId;
  const intent = readChatMessage(text, {
    ...(bridge.botName !== undefined && { botName: bridge.botName }),
    ...(ours && reply?.text !== undefined && { replyTo: reply.text }),
    ...(bridge.settings.defaultPeer !== undefined && { defaultPeer: bridge.settings.defaultPeer }),
  });
  switch (intent.kind) {
    case "not-ours":
      return;
    case "command":
      return say(bridge, m.chat.id, await answerCommand(bridge, intent.name), m.message_id);
    case "empty":
      return say(bridge, m.chat.id, "There is nothing to send.", m.message_id);
    case "unaddressed":
      return say(bridge, m.chat.id, `Who is it for?\n${HELP}`, m.message_id);
  }
  // The same chat message heard twice (a restart before Telegram was told) is stored once.
  const key = `telegram-${m.chat.id}-${m.message_id}`;
  for (;;) {
    const sent = await bridge.daemon.send(intent.to, intent.body, key);
    if (sent.ok) {
      bridge.log("chat-message", {
        chat: m.chat.id,
        to: intent.to,
        id: sent.value.id,
        outcome: sent.value.outcome,
      });
      if (!sent.value.ok)
        await say(bridge, m.chat.id, `Not sent: ${sent.value.error ?? "refused"}`, m.message_id);
      return;
    }
    if (bridge.stop.aborted) return;
    bridge.log("daemon-unreachable", { error: sent.error });
    await pause(bridge);
  }
}
