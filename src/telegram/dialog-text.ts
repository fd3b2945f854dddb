import type { Approval } from "../lifecycle/approvals";
import type { Keyboard } from "./chat-calls";

/**
 * What a dialog looks like in the chat, and what its buttons carry back. Pure: tested as strings.
 * A button's data is `d:<n>:<choice>`, where `n` is the bridge's short number for the dialog and
 * `choice` an option's index, or `y`/`n` for a dialog whose options are unknown; Telegram keeps
 * at most 64 bytes of it, so no text of the dialog goes in.
 */

export const DIALOG_PREFIX = "d";

/** Where a dialog begins: its session, since when it asks, and what. A new question is a new dialog. */
export const dialogKey = (a: Approval): string => `${a.identity}|${a.since}|${a.question}`;

const QUESTION_LIMIT = 1000;
const LABEL_LIMIT = 60;

const clip = (text: string, limit: number): string => {
  const chars = [...text.replace(/\s+/g, " ").trim()];
  return chars.length <= limit ? chars.join("") : `${chars.slice(0, limit - 1).join("")}…`;
};

export function dialogText(peer: string, question: string, tool?: string): string {
  return `${peer} waits for your answer${tool ? ` (${tool})` : ""}:\n${clip(question, QUESTION_LIMIT)}`;
}

export function dialogButtons(n: number, options: readonly string[]): Keyboard {
  if (options.length === 0)
    return [
      { text: "Approve", data: `${DIALOG_PREFIX}:${n}:y` },
      { text: "Deny", data: `${DIALOG_PREFIX}:${n}:n` },
    ];
  return options.map((o, i) => ({
    text: `${i + 1}. ${clip(o, LABEL_LIMIT)}`,
    data: `${DIALOG_PREFIX}:${n}:${i}`,
  }));
}

export type Choice = { option: number } | { approve: boolean };

/** A tapped button's dialog number and choice, from what follows its prefix; undefined if malformed. */
export function readChoice(arg: string): { n: number; choice: Choice } | undefined {
  const m = /^(\d{1,9}):(\d{1,3}|y|n)$/.exec(arg);
  if (!m) return undefined;
  const n = Number(m[1]);
  const c = m[2] as string;
  return { n, choice: c === "y" || c === "n" ? { approve: c === "y" } : { option: Number(c) } };
}

/** The dialog's message once it no longer waits: the question, and how it ended. */
export function endedText(peer: string, question: string, how: string): string {
  return `${peer} asked:\n${clip(question, QUESTION_LIMIT)}\n→ ${how}`;
}
