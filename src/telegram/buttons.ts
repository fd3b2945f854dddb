import { answerTap } from "./chat-calls";
import type { Bridge } from "./context";
import { answerFromTap } from "./dialog-taps";
import { DIALOG_PREFIX } from "./dialog-text";
import type { TgCallbackQuery } from "./updates";

/** What a tap on a button does, given what follows its data's prefix; it says what happened. */
type ButtonHandler = (bridge: Bridge, tap: TgCallbackQuery, arg: string) => Promise<string>;

/**
 * Handlers by the prefix of a button's data (`<prefix>:<arg>`): a dialog's options. A tap on one
 * it does not know is still answered, so the phone stops waiting. Only taps in allowed chats get
 * here.
 */
const BUTTONS: Record<string, ButtonHandler> = { [DIALOG_PREFIX]: answerFromTap };

export async function handleButton(bridge: Bridge, tap: TgCallbackQuery): Promise<void> {
  const data = tap.data ?? "";
  const colon = data.indexOf(":");
  const [prefix, arg] = colon === -1 ? [data, ""] : [data.slice(0, colon), data.slice(colon + 1)];
  // Own keys only: data such as `constructor:…` names no handler.
  const handler = Object.hasOwn(BUTTONS, prefix) ? BUTTONS[prefix] : undefined;
  const text = handler ? await handler(bridge, tap, arg) : "This button no longer does anything.";
  bridge.log("telegram-button", {
    chat: tap.message?.chat.id,
    user: tap.from.id,
    known: !!handler,
  });
  await answerTap(bridge, tap.id, text);
}
