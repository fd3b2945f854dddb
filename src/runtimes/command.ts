import { fail, ok } from "../core/result";
import { inputLine } from "./screen";
import type { RuntimeAdapter, RuntimeSettings } from "./types";

/**
 * Any interactive CLI, from the peer's profile: `command` (a shell command line, exec'd so the
 * program is the pane's own process), an optional `ready` regex and an optional prompt glyph.
 * Without `ready`, the session is ready as soon as it is up: nothing else can be known.
 */
export const commandAdapter: RuntimeAdapter = {
  name: "command",
  kind: "tui",
  bootTimeoutMs: 30_000,
  markers: { prompt: ">", settleMs: 100 },
  argv(ctx) {
    const command = ctx.settings.command?.trim();
    if (!command)
      return fail(
        `peer ${ctx.identity.personality} has no command to run: set "command" in its profile`,
      );
    return ok(["/bin/sh", "-c", `exec ${command}`]);
  },
  classify(screen, settings: RuntimeSettings) {
    if (settings.ready) {
      return readyPattern(settings.ready).test(screen) ? { kind: "ready" } : { kind: "booting" };
    }
    if (settings.prompt) {
      return inputLine(screen, settings.prompt) !== undefined
        ? { kind: "ready" }
        : { kind: "booting" };
    }
    return { kind: "ready" };
  },
};

const patterns = new Map<string, RegExp>();

function readyPattern(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    re = new RegExp(source, "m");
    patterns.set(source, re);
  }
  return re;
}

/** Profile validation uses this: a bad regex is bad input, reported when the profile is made. */
export function checkReadyPattern(source: string): string | undefined {
  try {
    new RegExp(source, "m");
    return undefined;
  } catch (error) {
    return `invalid ready pattern ${JSON.stringify(source)}: ${(error as Error).message}`;
  }
}
