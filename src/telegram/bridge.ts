import { loadConfig } from "../core/config";
import type { LogFields } from "../core/logfmt";
import { layoutOf } from "../core/paths";
import { fail, type Result } from "../core/result";
import { BotApi, persist } from "./bot-api";
import { loadMemory, saveMemory, stateFile } from "./bridge-state";
import type { Bridge } from "./context";
import { DaemonLink } from "./daemon-link";
import { hearChats } from "./inbound";
import { passOnMessages } from "./outbound";
import { bridgeSettings } from "./settings";
import { lookAgain, watchFleet } from "./watch";

/** How long the bridge waits for the daemon to answer at start (it may be starting too). */
const DAEMON_START_MS = 60_000;

/**
 * The built-in telegram bridge, run as the telegram peer's session: a client of the daemon on
 * one side and of the Bot API on the other. It ends only with a reason (a failure is a value).
 */
export async function runBridge(
  peer: string,
  stop: AbortSignal,
  /** Where its logfmt lines go: the session's output, so its pane log. */
  log: (ev: string, fields?: LogFields) => void,
): Promise<Result<void>> {
  const config = loadConfig();
  if (!config.ok) return config;
  const daemon = new DaemonLink(layoutOf(config.value).daemonSock, peer);
  let profile = await daemon.profile();
  for (const until = Date.now() + DAEMON_START_MS; !profile.ok && Date.now() < until; ) {
    await Bun.sleep(500);
    profile = await daemon.profile();
  }
  if (!profile.ok) return profile;
  const settings = bridgeSettings(config.value.telegram, profile.value.settings, peer);
  if (!settings.ok) return settings;
  const api = new BotApi(settings.value.api, settings.value.token);
  const memoryFile = stateFile(profile.value.cwd);
  const kept = loadMemory(memoryFile);
  if (kept.problem) log("bridge-state-reset", { file: memoryFile, why: kept.problem });
  let chain: Promise<unknown> = Promise.resolve();
  const bridge: Bridge = {
    api,
    daemon,
    settings: settings.value,
    log,
    stop,
    memory: kept.memory,
    remember() {
      const problem = saveMemory(memoryFile, bridge.memory);
      if (problem) log("bridge-state-unsaved", { why: problem });
    },
    serially<T>(work: () => Promise<T>): Promise<T> {
      const run = chain.then(work, work);
      chain = run.catch(() => undefined);
      return run;
    },
    lookAgain,
  };
  const me = await persist<{ id?: number; username?: string }>(
    () => api.call("getMe", {}),
    (why, waitMs) => log("telegram-retry", { call: "getMe", why, wait_ms: waitMs }),
    stop,
  );
  if (me.kind !== "ok") {
    return fail(
      me.status === 401 || me.status === 404
        ? `Telegram refused the bot token in ${settings.value.tokenFile} (${me.why}); check it with @BotFather`
        : `Telegram refused getMe (${me.why})`,
    );
  }
  if (me.result.username) bridge.botName = me.result.username;
  if (me.result.id !== undefined) bridge.botId = me.result.id;
  log("bridge-start", {
    peer,
    bot: bridge.botName,
    chats: settings.value.chats.length,
    api: new URL(settings.value.api).host,
  });
  if (settings.value.chats.length === 0) {
    log("bridge-hears-no-one", {
      fix: `iapeer set ${peer} chats=<id> (a stranger's id is logged when they write)`,
    });
    await hearChats(bridge);
  } else {
    await Promise.all([passOnMessages(bridge), hearChats(bridge), watchFleet(bridge)]);
  }
  return { ok: true, value: undefined };
}
