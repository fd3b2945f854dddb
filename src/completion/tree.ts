import type { ArgDef, CommandDef } from "citty";
import { BUILTIN_RUNTIMES } from "../core/names";
import { settableKeys } from "../registry/assign";
import { MESSAGE_FORMATS } from "../runtimes/types";

/** The shells `iapeer completion` writes a script for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** What the word after an option, or a positional word, is completed with. */
export type Values =
  | { kind: "words"; words: readonly string[] }
  /** The registry's peer names (`iapeer list --names`); with `all` for `stop all` and the like. */
  | { kind: "peers"; all: boolean }
  | { kind: "files" }
  | { kind: "dirs" }
  /** Free text: nothing to offer. */
  | { kind: "free" };

export interface Option {
  /** `--message`, then its aliases (`-m`). */
  flags: string[];
  description: string;
  /** What its value is completed with; undefined for a flag that takes none. */
  values?: Values;
}

interface Positional {
  name: string;
  description: string;
  values: Values;
  /** The last positional of `stop <peer...>`: it takes every further word. */
  repeats: boolean;
}

export interface Command {
  /** The words that name it: [] for iapeer itself, ["service", "install"]. */
  path: string[];
  description: string;
  options: Option[];
  positionals: Positional[];
  commands: Command[];
}

const PEERS: Values = { kind: "peers", all: false };
const words = (list: readonly string[]): Values => ({ kind: "words", words: list });

/**
 * Values by argument name, the same name meaning the same thing in every command. A new
 * argument whose values are a known set gets its line here.
 */
const VALUES_BY_NAME: Record<string, Values> = {
  peer: PEERS,
  from: PEERS,
  runtime: words(BUILTIN_RUNTIMES),
  format: words(MESSAGE_FORMATS),
  shell: words(SHELLS),
  "message-file": { kind: "files" },
  path: { kind: "dirs" },
  dir: { kind: "dirs" },
  // `up`/`down` take a fleet file; `set <peer>` its key=value words.
  file: { kind: "files" },
  settings: words(settableKeys()),
  wait: words(["delivered", "received", "answered"]),
};

const HELP: Option = { flags: ["--help", "-h"], description: "Show help" };
const VERSION: Option = { flags: ["--version", "-V"], description: "Show the version" };

type Resolvable<T> = T | Promise<T> | (() => T | Promise<T>);

async function resolve<T>(value: Resolvable<T>): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

function valuesOf(name: string, def: ArgDef, repeats: boolean): Values {
  if (def.type === "enum" && def.options) return words(def.options);
  // `logs PEER`: the positional is upper-cased, as the `peer` key is its `--peer` option.
  const known = VALUES_BY_NAME[name] ?? VALUES_BY_NAME[name.toLowerCase()] ?? { kind: "free" };
  // Commands that take several peers take `all` too (src/cli/peer-arg.ts peerNames).
  return known.kind === "peers" && repeats ? { kind: "peers", all: true } : known;
}

/** The options and positionals of one command's `args`, the way src/cli/strict.ts reads them. */
function argsOf(args: Record<string, ArgDef>): { options: Option[]; positionals: Positional[] } {
  const options: Option[] = [];
  const positionals: Positional[] = [];
  for (const [name, def] of Object.entries(args)) {
    const description = def.description ?? "";
    if (def.type === "positional") {
      const repeats = def.valueHint?.endsWith("...") === true;
      positionals.push({ name, description, values: valuesOf(name, def, repeats), repeats });
      continue;
    }
    const alias = "alias" in def ? def.alias : undefined;
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    const flags = [name, ...aliases].map((k) => (k.length === 1 ? `-${k}` : `--${k}`));
    if (def.type === "boolean") {
      options.push({ flags, description });
      // Where `--help` shows the negation (on by default), completion offers it too.
      if ((def.default === true || def.negativeDescription) && !name.startsWith("no-"))
        options.push({
          flags: [`--no-${name}`],
          description: def.negativeDescription ?? `Turn off --${name}`,
        });
    } else {
      options.push({ flags, description, values: valuesOf(name, def, false) });
      // A value option with a negative form (`--wait STEP`, `--no-wait`).
      if ("negativeDescription" in def && def.negativeDescription)
        options.push({ flags: [`--no-${name}`], description: def.negativeDescription });
    }
  }
  options.push(HELP);
  return { options, positionals };
}

async function walk(cmd: CommandDef, path: string[]): Promise<Command> {
  const meta = cmd.meta ? await resolve(cmd.meta) : undefined;
  const args = (cmd.args ? await resolve(cmd.args) : {}) as Record<string, ArgDef>;
  const subs = cmd.subCommands ? await resolve(cmd.subCommands) : {};
  const commands: Command[] = [];
  for (const [name, sub] of Object.entries(subs)) {
    const def = (await resolve(sub)) as CommandDef;
    const subMeta = def.meta ? await resolve(def.meta) : undefined;
    if (subMeta?.hidden) continue;
    commands.push(await walk(def, [...path, name]));
  }
  return { path, description: meta?.description ?? "", ...argsOf(args), commands };
}

/** `help [command…]` (src/cli/run.ts): the command tree again, without options or arguments. */
function helpOf(cmd: Command, path: string[]): Command {
  return {
    path,
    description: path.length === 1 ? "Show a command's help" : cmd.description,
    options: [],
    positionals: [],
    commands: cmd.commands.map((c) => helpOf(c, [...path, c.path.at(-1) as string])),
  };
}

/**
 * Every command the CLI has, with its options and arguments, read from the same citty
 * definitions that parse the command line (resolving the lazy sub-commands), so a completion
 * script made from it cannot drift from the CLI.
 */
export async function commandTree(root: CommandDef): Promise<Command> {
  const tree = await walk(root, []);
  tree.options.push(VERSION);
  tree.commands.push(helpOf(tree, ["help"]));
  return tree;
}

/** The tree's commands, depth first, the root first. */
export function allCommands(tree: Command): Command[] {
  return [tree, ...tree.commands.flatMap(allCommands)];
}
