import { existsSync } from "node:fs";
import type { Config } from "../core/config";
import type { Layout } from "../core/paths";
import type { Profile } from "../registry/profile";
import { listPeers } from "../registry/registry";
import { takesFromInbox } from "../runtimes/telegram";
import type { RuntimeSettings } from "../runtimes/types";
import { openStore } from "../store/db";
import { readTokenFile } from "../telegram/settings";
import { bad, type Check, ok, warn } from "./checks";

/** The telegram peers that run the built-in bridge, with their own bridge settings. */
function bridgePeers(
  layout: Layout,
): { personality: string; settings: RuntimeSettings; alwaysOn: boolean }[] {
  if (!existsSync(layout.dbPath)) return [];
  const store = openStore(layout.dbPath);
  if (!store.ok) return [];
  try {
    return listPeers(store.value)
      .map((p) => p.profile)
      .filter((p: Profile) => p.runtimes.includes("telegram"))
      .map((p) => ({
        personality: p.personality,
        settings: p.settings.telegram ?? {},
        alwaysOn: p.wake === "always-on",
      }))
      .filter((p) => takesFromInbox(p.settings));
  } finally {
    store.value.close();
  }
}

/** One bridge's token file (there, mode 0600, a token in it) and allow-list. */
function bridgeCheck(
  config: Config,
  name: string,
  settings: RuntimeSettings,
  alwaysOn = true,
): Check {
  const check = `telegram:${name}`;
  const tokenFile = settings.tokenFile ?? config.telegram.tokenFile;
  if (tokenFile === undefined)
    return bad(
      check,
      "no bot token file",
      `put @BotFather's token in a file of mode 0600, then \`iapeer set ${name} token-file=<path>\` (or set IAPEER_TELEGRAM_TOKEN_FILE)`,
    );
  const token = readTokenFile(tokenFile);
  if (!token.ok)
    return bad(check, token.error, `write the token alone into ${tokenFile}, then chmod 600 it`);
  const chats = settings.chats ?? config.telegram.chats;
  if (chats.length === 0)
    return bad(
      check,
      `token file ${tokenFile} (0600), but no chat is allowed: the bridge would hear no one`,
      `\`iapeer set ${name} chats=<id>\` (or IAPEER_TELEGRAM_CHATS); a stranger's chat id is in \`iapeer logs ${name}\``,
    );
  const detail = `token file ${tokenFile} (0600); ${chats.length} chat${chats.length === 1 ? "" : "s"} allowed`;
  // Asleep, a bridge does not hear the chat: only a message to it wakes it.
  return alwaysOn
    ? ok(check, detail)
    : warn(
        check,
        `${detail}; on-demand, so it hears the chat only while awake`,
        `\`iapeer set ${name} always-on=true\``,
      );
}

/**
 * Each telegram peer's bridge settings; with none, the environment's, when it sets any. The
 * token itself is only read to see that it is there, never shown.
 */
export function telegramChecks(config: Config, layout: Layout): Check[] {
  const peers = bridgePeers(layout);
  if (peers.length > 0)
    return peers.map((p) => bridgeCheck(config, p.personality, p.settings, p.alwaysOn));
  const { tokenFile, chats } = config.telegram;
  if (tokenFile === undefined && chats.length === 0) return [];
  return [bridgeCheck(config, "<peer>", {})];
}
