import { fail, ok } from "../core/result";
import { inputArea } from "./screen";
import type { RuntimeAdapter, RuntimeSettings } from "./types";

/**
 * Without a `prompt` setting, the input line is a line whose first word ends in `>`: `> `,
 * `>>> `, `sqlite> `, `ask> `. A shell's `$ ` or `# ` needs the setting.
 */
export const DEFAULT_COMMAND_PROMPT = "/\\S*> ?/";

/**
 * Any interactive CLI, from the peer's profile: `command` (a shell command line, exec'd so the
 * program is the pane's own process), an optional `ready` regex and an optional `prompt` (a
 * literal prefix or a `/regex/`, see prompt.ts). Ready when `ready` matches the screen; else,
 * with a `prompt`, when an empty input line with it shows; else as soon as the session is up
 * (nothing else can be known: delivery then waits for the input line to show).
 */
export const commandAdapter: RuntimeAdapter = {
  name: "command",
  kind: "tui",
  bootTimeoutMs: 30_000,
  markers: { prompt: DEFAULT_COMMAND_PROMPT, settleMs: 100, singleEnter: true },
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
      return inputArea(screen, settings.prompt) === "" ? { kind: "ready" } : { kind: "booting" };
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
  if (source === "") return "the ready pattern must not be empty";
  try {
    new RegExp(source, "m");
    return undefined;
  } catch (error) {
    return `invalid ready pattern ${JSON.stringify(source)}: ${(error as Error).message}`;
  }
}
