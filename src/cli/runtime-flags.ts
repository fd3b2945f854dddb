import { BUILTIN_RUNTIMES, isBuiltinRuntime } from "../core/names";
import { checkReadyPattern } from "../runtimes/command";
import { checkPrompt } from "../runtimes/prompt";
import { adapterFor } from "../runtimes/registry";
import { MESSAGE_FORMATS, type MessageFormat, type RuntimeSettings } from "../runtimes/types";
import { usageError } from "./exit-codes";

/** The flags of `create` and `init` that become the runtime's settings in the profile. */
export const runtimeFlagArgs = {
  command: { type: "string", description: "command runtime: the command line to run" },
  prompt: {
    type: "string",
    description:
      'command runtime: how its input line starts: a literal ("sh> ") or a /regex/ (default /\\S*> ?/)',
  },
  ready: {
    type: "string",
    description: "command runtime: a regex that matches the screen once it is ready for input",
  },
  format: {
    type: "string",
    description: "How messages are typed in: envelope (XML, the default) or text (the body alone)",
  },
} as const;

type Flag = keyof typeof runtimeFlagArgs;

function usesFlag(runtime: string, flag: Flag): boolean {
  if (flag === "format") {
    const adapter = adapterFor(runtime);
    return adapter.ok && adapter.value.kind === "tui";
  }
  return runtime === "command";
}

function whyNot(runtime: string, flag: Flag): string {
  if (flag === "format")
    return `--format is not for the ${runtime} runtime: its bridge always gets the envelope`;
  return `--${flag} is only for the command runtime; ${runtime} runs a program iapeer knows`;
}

/**
 * The runtime flags, checked before anything is written: a flag the runtime does not use, or a
 * bad value, is bad usage (exit 2). Returns what goes into the peer's profile.
 */
export function runtimeFlags(
  runtime: string,
  args: Partial<Record<Flag, string | undefined>>,
): { command?: string; settings?: RuntimeSettings } {
  if (!isBuiltinRuntime(runtime)) {
    throw usageError(
      `unknown runtime ${JSON.stringify(runtime)}: use one of ${BUILTIN_RUNTIMES.join(", ")}`,
    );
  }
  for (const flag of Object.keys(runtimeFlagArgs) as Flag[]) {
    if (args[flag] !== undefined && !usesFlag(runtime, flag))
      throw usageError(whyNot(runtime, flag));
  }
  const { command, prompt, ready, format } = args;
  if (prompt !== undefined) {
    const bad = checkPrompt(prompt);
    if (bad) throw usageError(`--prompt: ${bad}`);
  }
  if (ready !== undefined) {
    const bad = checkReadyPattern(ready);
    if (bad) throw usageError(`--ready: ${bad}`);
  }
  if (format !== undefined && !(MESSAGE_FORMATS as readonly string[]).includes(format))
    throw usageError(
      `--format must be ${MESSAGE_FORMATS.join(" or ")} (got ${JSON.stringify(format)})`,
    );
  const settings: RuntimeSettings = {
    ...(prompt !== undefined && { prompt }),
    ...(ready !== undefined && { ready }),
    ...(format !== undefined && { format: format as MessageFormat }),
  };
  return {
    ...(command !== undefined && { command }),
    ...(Object.keys(settings).length > 0 && { settings }),
  };
}
