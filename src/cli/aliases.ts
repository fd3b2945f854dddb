import type { ArgsDef, CommandDef } from "citty";

/**
 * The other words people type for a command, from pm2, docker and the shell: `ls` and `ps` are
 * `list` (pm2 has both for its process table, docker's `ps` too; `status` is one peer's detail),
 * `rm` and `delete` are `remove`, `top` is `monitor` (the live view, as top's). Known here, without loading any command, so a line that uses
 * one costs no more than the command's own name.
 */
export const COMMAND_ALIASES: Readonly<Record<string, string>> = {
  ls: "list",
  ps: "list",
  rm: "remove",
  delete: "remove",
  top: "monitor",
};

/** The command a word names: itself, or the command it is an alias of. */
export const commandNamed = (word: string): string => COMMAND_ALIASES[word] ?? word;

/** A line whose command is an alias, with the command's own name instead (after `help` too). */
export function withCommandName(argv: string[]): string[] {
  const at = argv[0] === "help" ? 1 : 0;
  const word = argv[at];
  if (word === undefined || !(word in COMMAND_ALIASES)) return argv;
  return [...argv.slice(0, at), commandNamed(word), ...argv.slice(at + 1)];
}

/** A command with its aliases in its meta, so `--help` shows them beside its name (`list, ls, ps`). */
export function aliased<T extends ArgsDef>(name: string, cmd: CommandDef<T>): CommandDef<T> {
  const alias = Object.keys(COMMAND_ALIASES).filter((a) => COMMAND_ALIASES[a] === name);
  if (alias.length === 0) return cmd;
  const meta = cmd.meta;
  return {
    ...cmd,
    meta: async () => ({
      ...(typeof meta === "function" ? await meta() : await meta),
      alias,
    }),
  };
}
