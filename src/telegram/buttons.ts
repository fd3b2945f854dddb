import { persist } from "./bot-api";
import type { Bridge } from "./context";
import type { TgCallbackQuery } from "./updates";

/** What a tap on a button does, given what follows its data's prefix; it says what happened. */
type ButtonHandler = (bridge: Bridge, tap: TgCallbackQuery, arg: string) => Promise<string>;

/**
 * Handlers by the prefix of a button's data (`<prefix>:<arg>`). The bridge sends no buttons yet
 * (approvals will); a tap on one it does not know is still answered, so the phone stops waiting.
 * Only taps in allowed chats get here.
 */
const BUTTONS: Record<string, ButtonHandler> = {};

export async function handleButton(bridge: Bridge, tap: TgCallbackQuery): Promise<void> {
  const [prefix = "", arg = ""] = (tap.data ?? "").split(":", 2);
  const handler = BUTTONS[prefix];
  const text = handler ? await handler(bridge, tap, arg) : "This button no longer does anything.";
  bridge.log("telegram-button", {
    chat: tap.message?.chat.id,
    user: tap.from.id,
    known: !!handler,
  });
  const answered = await persist(
    () => bridge.api.call("answerCallbackQuery", { callback_query_id: tap.id, text }),
    (why, waitMs) =>
      bridge.log("telegram-retry", { call: "answerCallbackQuery", why, wait_ms: waitMs }),
    bridge.stop,
  );
  if (answered.kind !== "ok")
    bridge.log("telegram-refused", { call: "answerCallbackQuery", why: answered.why });
}
