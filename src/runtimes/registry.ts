import { fail, ok, type Result } from "../core/result";
import { claudeAdapter } from "./claude";
import { codexAdapter } from "./codex";
import { commandAdapter } from "./command";
import { echoAdapter } from "./echo";
import { telegramAdapter } from "./telegram";
import type { DeliveryMarkers, MessageFormat, RuntimeAdapter, RuntimeSettings } from "./types";

const ADAPTERS: Record<string, RuntimeAdapter> = {
  claude: claudeAdapter,
  codex: codexAdapter,
  telegram: telegramAdapter,
  command: commandAdapter,
  echo: echoAdapter,
};

export function adapterFor(runtime: string): Result<RuntimeAdapter> {
  const adapter = ADAPTERS[runtime];
  return adapter
    ? ok(adapter)
    : fail(
        `no adapter for runtime ${JSON.stringify(runtime)}: use one of ${Object.keys(ADAPTERS).join(", ")}`,
      );
}

/** An adapter's delivery markers, with the prompt the peer's settings name, if any. */
export function deliveryMarkers(
  adapter: RuntimeAdapter,
  settings: RuntimeSettings,
): DeliveryMarkers {
  return settings.prompt ? { ...adapter.markers, prompt: settings.prompt } : adapter.markers;
}

/**
 * How messages are typed into this runtime's sessions: the envelope unless the peer's settings
 * say `text`. The envelope is the default everywhere, the command runtime included: it is most
 * often an AI CLI, which needs to know who wrote and how to answer; a shell or REPL is set to
 * `text` on purpose.
 */
export function messageFormat(settings: RuntimeSettings): MessageFormat {
  return settings.format ?? "envelope";
}
