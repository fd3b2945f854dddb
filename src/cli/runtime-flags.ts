import { BUILTIN_RUNTIMES, isBuiltinRuntime } from "../core/names";
import { setRuntimeKey } from "../registry/settings-keys";
import type { RuntimeSettings } from "../runtimes/types";
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

/**
 * The runtime flags, checked before anything is written (by the same table `set` uses): a flag
 * the runtime does not use, or a bad value, is bad usage (exit 2). Returns what goes into the
 * peer's profile.
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
  let settings: RuntimeSettings = {};
  for (const flag of Object.keys(runtimeFlagArgs) as Flag[]) {
    const value = args[flag];
    if (value === undefined) continue;
    const set = setRuntimeKey(runtime, settings, flag, value, `--${flag}`, false);
    if (!set.ok) throw usageError(set.error);
    settings = set.value;
  }
  const { command, ...rest } = settings;
  return {
    ...(command !== undefined && { command }),
    ...(Object.keys(rest).length > 0 && { settings: rest }),
  };
}
