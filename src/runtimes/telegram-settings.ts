import { isAbsolute } from "node:path";
import { validatePersonality } from "../core/names";
import { parseApiUrl, parseChats } from "../core/telegram-config";
import type { RuntimeSettings } from "./types";

/** What is wrong with a telegram peer's own bridge settings, if anything. */
export function checkTelegramSettings(settings: RuntimeSettings): string | undefined {
  const { tokenFile, chats, api, defaultPeer } = settings;
  if (tokenFile !== undefined && (typeof tokenFile !== "string" || !isAbsolute(tokenFile)))
    return "settings.telegram.tokenFile must be an absolute path";
  if (chats !== undefined) {
    if (!Array.isArray(chats) || !chats.every((c) => typeof c === "string"))
      return "settings.telegram.chats must be a list of chat ids (strings)";
    const parsed = parseChats(chats.join(","), "settings.telegram.chats");
    if (!parsed.ok) return parsed.error;
  }
  if (api !== undefined) {
    const parsed = parseApiUrl(String(api), "settings.telegram.api");
    if (!parsed.ok) return parsed.error;
  }
  if (defaultPeer !== undefined) {
    const name = validatePersonality(String(defaultPeer));
    if (!name.ok) return `settings.telegram.defaultPeer: ${name.error}`;
  }
  return undefined;
}
