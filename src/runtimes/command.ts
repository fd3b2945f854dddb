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
  // Ready with no pattern means ready at once: a program that cannot start (not found, a bad
  // flag) ends within this, and is a failed boot rather than a session that dies after it.
  readyHoldMs: 500,
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

/** Anything that makes a command line the shell's to read: quotes, operators, expansions. */
const SHELL_SYNTAX = /[;&|<>()$`*?[\]{}~"'\\\n#]/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * Why a command line cannot run here, when that is certain before starting it: its program (a
 * bare name, or an absolute path) is not found on the session's PATH. A shell command line
 * (quotes, operators, variables, a leading assignment) is the shell's to judge when it runs.
 */
export function missingProgram(command: string, path: string): string | undefined {
  const line = command.trim();
  if (SHELL_SYNTAX.test(line)) return undefined;
  const program = line.split(/\s+/)[0] ?? "";
  if (program === "" || ASSIGNMENT.test(program)) return undefined;
  // A relative path is found from the peer's folder, which may not be there yet.
  if (program.includes("/") && !program.startsWith("/")) return undefined;
  if (Bun.which(program, { PATH: path })) return undefined;
  return `${program}: command not found on PATH (${path}); install it, or give its full path in --command`;
}
