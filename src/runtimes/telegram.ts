import { ok } from "../core/result";
import type { RuntimeAdapter, RuntimeSettings } from "./types";

/**
 * Whether the peer runs the built-in bridge (`iapeer telegram-bridge`), which takes its
 * messages from the daemon's inbox; a bridge of the user's own (`bin`) is typed into instead.
 */
export const takesFromInbox = (settings: RuntimeSettings): boolean => settings.bin === undefined;

/**
 * A chat bridge: a router runtime with no TUI, ready as soon as its session is up. By default it
 * is this iapeer's own bridge; with `bin`, `<bin> run`, which takes envelopes on its input.
 */
export const telegramAdapter: RuntimeAdapter = {
  name: "telegram",
  kind: "router",
  bootTimeoutMs: 10_000,
  markers: { prompt: "", settleMs: 0 },
  argv(ctx) {
    const extra = ctx.settings.args ?? [];
    return ok(
      ctx.settings.bin === undefined
        ? [...ctx.iapeer, "telegram-bridge", ...extra]
        : [ctx.settings.bin, "run", ...extra],
    );
  },
  classify() {
    return { kind: "ready" };
  },
};
