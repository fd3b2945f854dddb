import { ok } from "../core/result";
import type { RuntimeAdapter } from "./types";

export const DEFAULT_TELEGRAM_BRIDGE = "iapeer-telegram";

/**
 * A chat bridge: a router runtime with no TUI. It runs `<bridge> run`, takes envelopes on its
 * input and is ready as soon as its session is up.
 */
export const telegramAdapter: RuntimeAdapter = {
  name: "telegram",
  kind: "router",
  bootTimeoutMs: 10_000,
  markers: { prompt: "", settleMs: 0 },
  argv(ctx) {
    return ok([ctx.settings.bin ?? DEFAULT_TELEGRAM_BRIDGE, "run", ...(ctx.settings.args ?? [])]);
  },
  classify() {
    return { kind: "ready" };
  },
};
