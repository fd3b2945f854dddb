/**
 * What the bridge writes into the chat and how it reads what a person wrote there. Plain text
 * only (no parse_mode): an agent's text cannot format itself or hide a link.
 */

/** Telegram's longest message. */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** The header of every message the bridge writes: who sent it, so a reply can go back. */
export function header(from: string, topic?: string, part?: [number, number]): string {
  const about = topic ? ` (${topic.replace(/\s+/g, " ").slice(0, 80)})` : "";
  const count = part && part[1] > 1 ? ` [${part[0]}/${part[1]}]` : "";
  return `${from}${about}${count}:`;
}

const HEADER = /^([a-z][a-z0-9-]{0,31}(?:@[a-z0-9-]+)?)(?: \(.*\))?(?: \[\d+\/\d+\])?:$/;

/** Whose message a bridge message was, from its header; undefined for anything else. */
export function senderOf(botText: string): string | undefined {
  const first = botText.split("\n", 1)[0] ?? "";
  return HEADER.exec(first)?.[1];
}

/** Cut text into pieces of at most `limit` UTF-16 units, at a newline or space when one is near. */
export function splitText(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf("\n", limit);
    if (cut < limit / 2) cut = rest.lastIndexOf(" ", limit);
    if (cut < limit / 2) cut = limit;
    // Never between the halves of a surrogate pair.
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut--;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, "");
  }
  if (rest !== "" || pieces.length === 0) pieces.push(rest);
  return pieces;
}

/** The chat messages that carry one message: each with its header, each within the limit. */
export function chatMessages(from: string, body: string, topic?: string): string[] {
  // Room for the longest header this message can have ("[99/99]").
  const room = TELEGRAM_TEXT_LIMIT - header(from, topic, [99, 99]).length - 1;
  const parts = splitText(body, room);
  return parts.map((p, i) => `${header(from, topic, [i + 1, parts.length])}\n${p}`);
}

type ChatIntent =
  | { kind: "command"; name: string; args: string }
  | { kind: "message"; to: string; body: string }
  /** It names no peer, and the bridge has no default one. */
  | { kind: "unaddressed" }
  | { kind: "empty" }
  /** A command for another bot in the same group. */
  | { kind: "not-ours" };

interface ChatContext {
  /** The bot's own username, without `@`. */
  botName?: string;
  /** The bridge message it answers, when it is a reply to one. */
  replyTo?: string;
  defaultPeer?: string;
}

/**
 * `/peers` is a command; `@ana review PR 12` goes to ana; a reply to ana's message goes to ana;
 * anything else to the default peer, if there is one.
 */
export function readChatMessage(text: string, ctx: ChatContext): ChatIntent {
  const own = (name: string) => ctx.botName?.toLowerCase() === name.toLowerCase();
  let rest = text.trim();
  const command = /^\/([A-Za-z0-9_]+)(?:@(\S+))?(?:\s+([\s\S]*))?$/.exec(rest);
  if (command) {
    if (command[2] !== undefined && !own(command[2])) return { kind: "not-ours" };
    return {
      kind: "command",
      name: (command[1] as string).toLowerCase(),
      args: (command[3] ?? "").trim(),
    };
  }
  let mention = /^@(\S+)\s*([\s\S]*)$/.exec(rest);
  // Addressed to the bot itself in a group: the rest is the message.
  if (mention && own(mention[1] as string)) {
    rest = (mention[2] as string).trim();
    mention = /^@(\S+)\s*([\s\S]*)$/.exec(rest);
  }
  if (mention) {
    const body = (mention[2] as string).trim();
    // A phone capitalises the first word; peer names are lowercase.
    const to = (mention[1] as string).replace(/[,:]$/, "").toLowerCase();
    return body === "" ? { kind: "empty" } : { kind: "message", to, body };
  }
  if (rest === "") return { kind: "empty" };
  const to = (ctx.replyTo !== undefined ? senderOf(ctx.replyTo) : undefined) ?? ctx.defaultPeer;
  return to === undefined ? { kind: "unaddressed" } : { kind: "message", to, body: rest };
}
