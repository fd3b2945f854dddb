import { persist } from "./bot-api";
import { handleButton } from "./buttons";
import { say } from "./chat-calls";
import { readChatMessage } from "./chat-text";
import { answerCommand, HELP } from "./commands";
import { type Bridge, pause } from "./context";
import { awaitReceipts } from "./receipts";
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

async function handleMessage(bridge: Bridge, m: TgMessage): Promise<void> {
  const text = m.text ?? m.caption;
  const answer = async (words: string) => {
    await say(bridge, m.chat.id, words, m.message_id);
  };
  if (text === undefined) return answer("Only text is carried.");
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
      return answer(await answerCommand(bridge, intent.name, intent.args));
    case "empty":
      return answer("There is nothing to send.");
    case "unaddressed":
      return answer(`Who is it for?\n${HELP}`);
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
      if (!sent.value.ok) return answer(`Not sent: ${sent.value.error ?? "refused"}`);
      // Its tick and its answer come back threaded to this message.
      return awaitReceipts(bridge, {
        id: sent.value.id,
        to: intent.to,
        chat: m.chat.id,
        messageId: m.message_id,
      });
    }
    if (bridge.stop.aborted) return;
    bridge.log("daemon-unreachable", { error: sent.error });
    await pause(bridge);
  }
}
