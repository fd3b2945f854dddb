import type { LogFields } from "../core/logfmt";
import type { BotApi } from "./bot-api";
import type { BridgeMemory } from "./bridge-state";
import type { DaemonLink } from "./daemon-link";
import type { BridgeSettings } from "./settings";

/** What the bridge's loops share. */
export interface Bridge {
  api: BotApi;
  daemon: DaemonLink;
  settings: BridgeSettings;
  /** One logfmt line on the bridge's output (its session's log): ids and counts, never text. */
  log(ev: string, fields?: LogFields): void;
  stop: AbortSignal;
  /** The bot's username, for `/peers@bot` and `@bot …` in groups. */
  botName?: string;
  /** The bot's user id: a reply to its message (not another bot's) answers that message's sender. */
  botId?: number;
  /** What survives a restart (bridge-state.ts); `remember` writes it down after a change. */
  memory: BridgeMemory;
  remember(): void;
  /**
   * Run `work` after whatever dialog, receipt or report work runs now: the loops that push
   * dialogs, answer taps and thread receipts never interleave their changes to the memory.
   */
  serially<T>(work: () => Promise<T>): Promise<T>;
  /** Look at the dialogs waiting now, without waiting for the next look (watch.ts). */
  lookAgain(): void;
}

const DAEMON_RETRY_MS = 1000;

/** Wait before asking the daemon again, unless the bridge is stopping. */
export async function pause(bridge: Bridge, ms = DAEMON_RETRY_MS): Promise<void> {
  if (!bridge.stop.aborted) await Bun.sleep(ms);
}
