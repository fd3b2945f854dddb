import { persist } from "./bot-api";
import type { Bridge } from "./context";

/**
 * The bridge's writes into a chat, each retried through an outage or a 429 and logged by ids
 * when Telegram refuses it for good. Plain text only (see chat-text.ts).
 */

/** One inline keyboard: a row per button, each with the data its tap brings back. */
export type Keyboard = { text: string; data: string }[];

const markup = (keyboard: Keyboard) => ({
  inline_keyboard: keyboard.map((b) => [{ text: b.text, callback_data: b.data }]),
});

async function call<T>(
  bridge: Bridge,
  method: string,
  params: Record<string, unknown>,
): Promise<T | undefined> {
  const done = await persist<T>(
    () => bridge.api.call<T>(method, params),
    (why, waitMs) =>
      bridge.log("telegram-retry", {
        call: method,
        chat: String(params.chat_id),
        why,
        wait_ms: waitMs,
      }),
    bridge.stop,
  );
  if (done.kind === "ok") return done.result;
  if (!bridge.stop.aborted)
    bridge.log("telegram-refused", { call: method, chat: String(params.chat_id), why: done.why });
  return undefined;
}

/**
 * Write into a chat, as a reply to `replyTo` when given (still sent if that message is gone);
 * returns the new message's id, or undefined when Telegram refused it.
 */
export async function say(
  bridge: Bridge,
  chat: number | string,
  text: string,
  replyTo?: number,
  keyboard?: Keyboard,
): Promise<number | undefined> {
  const sent = await call<{ message_id?: number }>(bridge, "sendMessage", {
    chat_id: chat,
    text,
    link_preview_options: { is_disabled: true },
    ...(replyTo !== undefined && {
      reply_parameters: { message_id: replyTo, allow_sending_without_reply: true },
    }),
    ...(keyboard && { reply_markup: markup(keyboard) }),
  });
  return sent?.message_id;
}

/** Rewrite a message the bridge sent; its buttons go unless new ones are given. */
export async function edit(
  bridge: Bridge,
  chat: number | string,
  messageId: number,
  text: string,
): Promise<boolean> {
  const done = await call<unknown>(bridge, "editMessageText", {
    chat_id: chat,
    message_id: messageId,
    text,
    link_preview_options: { is_disabled: true },
    reply_markup: { inline_keyboard: [] },
  });
  return done !== undefined;
}

/** An emoji on a person's message; false when the chat takes no reactions from bots. */
export async function react(
  bridge: Bridge,
  chat: number,
  messageId: number,
  emoji: string,
): Promise<boolean> {
  const done = await call<unknown>(bridge, "setMessageReaction", {
    chat_id: chat,
    message_id: messageId,
    reaction: [{ type: "emoji", emoji }],
  });
  return done !== undefined;
}

/** Telegram's limit for the words a tap gets back. */
const TAP_TEXT_LIMIT = 200;

/** Stop the phone's spinner on a tapped button, with a short word on what happened. */
export async function answerTap(bridge: Bridge, tapId: string, text: string): Promise<void> {
  await call<unknown>(bridge, "answerCallbackQuery", {
    callback_query_id: tapId,
    text: [...text].slice(0, TAP_TEXT_LIMIT).join(""),
  });
}
