import { ECHO_DIALOG_TITLE } from "../agent/echo-agent";
import { ok } from "../core/result";
import { inputLine, nonEmptyLines } from "./screen";
import type { RuntimeAdapter } from "./types";

/** The built-in echo agent, run as `iapeer echo-agent` in the pane. */
export const echoAdapter: RuntimeAdapter = {
  name: "echo",
  kind: "tui",
  bootTimeoutMs: 15_000,
  markers: { prompt: "❯", settleMs: 10 },
  argv(ctx) {
    const s = ctx.settings;
    return ok([
      ...ctx.iapeer,
      "echo-agent",
      ...(s.bootDelayMs ? ["--boot-delay-ms", String(s.bootDelayMs)] : []),
      ...(s.bootDialog ? ["--boot-dialog"] : []),
      ...(s.reply ? ["--reply"] : []),
      ...(s.args ?? []),
    ]);
  },
  classify(screen) {
    if (screen.includes(ECHO_DIALOG_TITLE))
      return { kind: "dialog", name: "trust-folder", keys: ["Enter"] };
    const last = nonEmptyLines(screen).at(-1) ?? "";
    if (last.startsWith("❯") && inputLine(screen, "❯") !== undefined) return { kind: "ready" };
    return { kind: "booting" };
  },
};
