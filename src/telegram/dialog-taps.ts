import type { Bridge } from "./context";
import { dialogKey, readChoice } from "./dialog-text";
import { closeDialog } from "./dialogs";
import type { TgCallbackQuery } from "./updates";

const STALE = "This question was already answered or is gone; nothing was pressed.";

/**
 * A tap on a dialog's button (only an allowed chat's tap gets here): answered through the
 * daemon's approve route, as `iapeer approve` answers, and only while that very dialog still
 * waits. A tap on a dialog answered, replaced or gone changes nothing. Returns the words the tap
 * gets back.
 */
export function answerFromTap(bridge: Bridge, tap: TgCallbackQuery, arg: string): Promise<string> {
  return bridge.serially(async () => {
    const read = readChoice(arg);
    const d = read && bridge.memory.dialogs.find((x) => x.n === read.n);
    // Only on the message the bridge put the dialog in: data alone is not trusted.
    const onIt = d?.messages.some(
      (m) => m.chat === String(tap.message?.chat.id) && m.messageId === tap.message?.message_id,
    );
    if (!read || !d || !onIt) return STALE;
    const waiting = await bridge.daemon.approvals();
    if (!waiting.ok) return "The daemon did not answer; try again in a moment.";
    if (!waiting.value.some((a) => dialogKey(a) === d.key)) {
      await closeDialog(bridge, d, "no longer waits", "gone");
      return STALE;
    }
    const { choice } = read;
    let how: { option: string } | { approve: boolean };
    if ("option" in choice) {
      const option = d.options[choice.option];
      if (option === undefined) return STALE;
      how = { option };
    } else how = choice;
    const done = await bridge.daemon.answer(d.peer, d.runtime, how);
    bridge.log("dialog-tap", {
      peer: d.peer,
      n: d.n,
      user: tap.from.id,
      ok: done.ok && done.value.ok,
    });
    if (!done.ok) return "The daemon did not answer; try again in a moment.";
    if (!done.value.ok) return done.value.error;
    const who = tap.from.username ? `@${tap.from.username}` : "the phone";
    await closeDialog(bridge, d, `${done.value.option} (answered by ${who})`, "tap");
    return `Answered: ${done.value.option}`;
  });
}
