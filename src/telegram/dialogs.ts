import type { Approval } from "../lifecycle/approvals";
import type { PushedDialog } from "./bridge-state";
import { edit, say } from "./chat-calls";
import type { Bridge } from "./context";
import { dialogButtons, dialogKey, dialogText, endedText } from "./dialog-text";

/**
 * The dialogs waiting in the peers, mirrored in the chats: each pushed once with a button per
 * option, and its message rewritten once it no longer waits. The daemon's list of approvals is
 * the one truth (it looks at the screens too, so an agent without hooks is seen); the bridge
 * only remembers which it pushed, so a restart neither pushes one twice nor forgets to close it.
 * Callers hold `bridge.serially`.
 */

/** How the last dialog answered in each session ended (the daemon's `dialog-answered`), and when. */
const answeredElsewhere = new Map<string, { option: string; at: string }>();
/** Dialogs of muted peers already logged as not pushed. */
const mutedSeen = new Set<string>();

/** A `dialog-answered` event: remembered so the chat can say how the dialog ended. */
export function dialogAnswered(identity: string, option: string, at: string): void {
  answeredElsewhere.set(identity, { option, at });
}

export async function mirrorDialogs(bridge: Bridge): Promise<void> {
  const listed = await bridge.daemon.approvals();
  if (!listed.ok) {
    bridge.log("daemon-unreachable", { error: listed.error });
    return;
  }
  const open = new Map(listed.value.map((a) => [dialogKey(a), a]));
  for (const d of [...bridge.memory.dialogs]) {
    if (open.has(d.key)) continue;
    // Only an answer given since this dialog began is its answer (ISO times sort as text).
    const answered = answeredElsewhere.get(d.identity);
    const how = answered && answered.at >= d.since ? `answered: ${answered.option}` : undefined;
    await closeDialog(bridge, d, how ?? "no longer waits", how ? "elsewhere" : "gone");
  }
  for (const [key, a] of open) {
    if (bridge.memory.dialogs.some((d) => d.key === key)) continue;
    if (bridge.memory.muted.includes(a.peer)) {
      if (!mutedSeen.has(key)) bridge.log("dialog-muted", { peer: a.peer, identity: a.identity });
      mutedSeen.add(key);
      continue;
    }
    await pushDialog(bridge, key, a);
  }
}

async function pushDialog(bridge: Bridge, key: string, a: Approval): Promise<void> {
  const n = bridge.memory.nextDialog++;
  const dialog: PushedDialog = {
    n,
    key,
    peer: a.peer,
    runtime: a.runtime,
    identity: a.identity,
    since: a.since,
    question: a.question,
    options: a.options,
    messages: [],
  };
  const text = dialogText(a.peer, a.question, a.tool);
  const keyboard = dialogButtons(n, a.options);
  for (const chat of bridge.settings.chats) {
    const messageId = await say(bridge, chat, text, undefined, keyboard);
    if (messageId !== undefined) dialog.messages.push({ chat, messageId });
  }
  // Kept even when every chat refused it: pushed once, not once per look.
  bridge.memory.dialogs.push(dialog);
  bridge.remember();
  bridge.log("dialog-pushed", {
    peer: a.peer,
    identity: a.identity,
    n,
    options: a.options.length,
    chats: dialog.messages.length,
    since: a.since,
  });
}

/** Rewrite the dialog's messages to say how it ended, and forget it. */
export async function closeDialog(
  bridge: Bridge,
  d: PushedDialog,
  how: string,
  /** For the log, which keeps no text: answered by a tap, elsewhere, or gone unanswered. */
  ended: "tap" | "elsewhere" | "gone",
): Promise<void> {
  const text = endedText(d.peer, d.question, how);
  for (const m of d.messages) await edit(bridge, m.chat, m.messageId, text);
  bridge.memory.dialogs = bridge.memory.dialogs.filter((x) => x.n !== d.n);
  bridge.remember();
  bridge.log("dialog-ended", { peer: d.peer, identity: d.identity, n: d.n, ended });
}
