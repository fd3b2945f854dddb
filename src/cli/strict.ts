import type { ArgDef, CommandDef } from "citty";
import { COMMAND_ALIASES, commandNamed } from "./aliases";

/**
 * Strict parsing on top of citty, which accepts any option and any number of words: a typo'd
 * flag (`--no-wiat`) silently ignored is a send that waited when it should not have. Every word
 * is checked against the command's own arguments before the command runs.
 */

type Resolvable<T> = T | Promise<T> | (() => T | Promise<T>);

async function resolve<T>(value: Resolvable<T>): Promise<T> {
  return typeof value === "function" ? await (value as () => T | Promise<T>)() : await value;
}

/** The command a line names (its leading words), the words that named it, and the rest. */
export async function commandFor(
  root: CommandDef,
  argv: string[],
): Promise<{ cmd: CommandDef; path: string[]; rest: string[]; unknown?: string }> {
  let cmd = root;
  const path: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i] as string;
    const subs = cmd.subCommands ? await resolve(cmd.subCommands) : undefined;
    if (!subs) break;
    if (word.startsWith("-")) break;
    const next = subs[word];
    if (!next) return { cmd, path, rest: argv.slice(i), unknown: word };
    cmd = (await resolve(next)) as CommandDef;
    path.push(word);
  }
  return { cmd, path, rest: argv.slice(i) };
}

/**
 * Edit distance, for "did you mean", with two letters swapped counting as one edit: the commonest
 * typo (`lsit`, `sned`) is then nearer its word than a word that merely shares letters (`init`).
 */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1];
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (same ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The closest of `choices` to `word`, when it is close enough to be a typo of it. */
function closest(word: string, choices: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const choice of choices) {
    const d = distance(word, choice);
    if (d < bestDistance) {
      best = choice;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3))
    ? best
    : undefined;
}

const suggest = (word: string, choices: Iterable<string>): string => {
  const near = closest(word, choices);
  return near ? ` (did you mean ${near}?)` : "";
};

interface ArgTable {
  /** Each spelling of each option (`--lines`, `-n`, `--no-follow`): its argument, and whether it takes a value. */
  options: Map<string, { name: string; value: boolean }>;
  positionals: string[];
  /** How many positionals must be given (citty's rule: not `required: false`, no default). */
  required: number;
  /** The options that must be given (`create --runtime`), as `--name`. */
  requiredOptions: string[];
  /** The last positional takes every further word (`<peer...>`). */
  repeats: boolean;
}

/** Anything with citty's `args` (and maybe sub-commands): a command of any argument types. */
type WithArgs = Pick<CommandDef, "args"> & {
  subCommands?: CommandDef["subCommands"];
  run?: unknown;
};

async function argTable(cmd: WithArgs): Promise<ArgTable> {
  const args = (cmd.args ? await resolve(cmd.args) : {}) as Record<string, ArgDef>;
  const options = new Map<string, { name: string; value: boolean }>();
  const positionals: string[] = [];
  const requiredOptions: string[] = [];
  let required = 0;
  let repeats = false;
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") {
      positionals.push(name);
      if (def.required !== false && def.default === undefined) required = positionals.length;
      if ((def as { valueHint?: string }).valueHint?.endsWith("...")) repeats = true;
      continue;
    }
    const alias = (def as { alias?: string | string[] }).alias;
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    const value = def.type !== "boolean";
    if (def.required === true && def.default === undefined) requiredOptions.push(name);
    for (const key of [name, ...aliases]) {
      options.set(key.length === 1 ? `-${key}` : `--${key}`, { name, value });
      // A value option with a negative form (`--wait STEP`, `--no-wait`) takes `--no-` too.
      const negative = !value || (def as { negativeDescription?: string }).negativeDescription;
      if (negative && key.length > 1) options.set(`--no-${key}`, { name, value: false });
    }
  }
  options.set("--help", { name: "help", value: false });
  options.set("-h", { name: "help", value: false });
  return { options, positionals, required, requiredOptions, repeats };
}

type Scanned =
  | { words: string[]; given: { name: string; value?: string }[] }
  | { bad: string; flag: string };

/** The words after the command split into positional words and the options given, in order. */
function scan(table: ArgTable, rest: string[]): Scanned {
  const words: string[] = [];
  const given: { name: string; value?: string }[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as string;
    if (word === "--") {
      words.push(...rest.slice(i + 1));
      break;
    }
    if (word === "-" || !word.startsWith("-") || /^-\d/.test(word)) {
      words.push(word);
      continue;
    }
    const eq = word.indexOf("=");
    const flag = eq < 0 ? word : word.slice(0, eq);
    const option = table.options.get(flag);
    if (option === undefined) return { bad: "unknown", flag };
    if (!option.value) {
      if (eq >= 0) return { bad: "no value", flag };
      given.push({ name: option.name });
      continue;
    }
    if (eq >= 0) {
      given.push({ name: option.name, value: word.slice(eq + 1) });
      continue;
    }
    if (i + 1 >= rest.length) return { bad: "needs value", flag };
    given.push({ name: option.name, value: rest[++i] as string });
  }
  return { words, given };
}

/**
 * Why the words after the command are not what it takes (an unknown option, a value missing,
 * one word too many), or undefined when they are.
 */
export async function checkArgs(
  cmd: WithArgs,
  path: string[],
  rest: string[],
): Promise<string | undefined> {
  const table = await argTable(cmd);
  const help = `see iapeer ${[...path, "--help"].join(" ")}`;
  const named = path.join(" ");
  // A group of commands that does nothing itself (`iapeer service`): name what it holds.
  if (
    path.length > 0 &&
    cmd.subCommands &&
    !cmd.run &&
    !rest.some((w) => w === "--help" || w === "-h")
  ) {
    const subs = Object.keys(await resolve(cmd.subCommands));
    return `${named} needs a command: ${subs.join(", ")}; ${help}`;
  }
  const scanned = scan(table, rest);
  if ("bad" in scanned) {
    const { bad, flag } = scanned;
    if (bad === "unknown") {
      const options = [...table.options.keys()].filter((o) => o.startsWith("--"));
      return `unknown option ${flag}${suggest(flag, options)}; ${help}`;
    }
    return bad === "no value"
      ? `${flag} takes no value; ${help}`
      : `${flag} needs a value; ${help}`;
  }
  const { words } = scanned;
  const { positionals, repeats } = table;
  const missing = table.positionals[words.length];
  if (missing !== undefined && words.length < table.required)
    return `${named} needs <${missing.toLowerCase()}>; ${help}`;
  const given = new Set(scanned.given.map((g) => g.name));
  const option = table.requiredOptions.find((o) => !given.has(o));
  if (option !== undefined) return `${named} needs --${option}; ${help}`;
  if (!repeats && words.length > positionals.length) {
    const extra = words[positionals.length];
    return positionals.length === 0
      ? `iapeer ${path.join(" ")} takes no arguments (got ${JSON.stringify(extra)}); ${help}`
      : `unexpected argument ${JSON.stringify(extra)}: iapeer ${path.join(" ")} takes ${positionals.map((p) => `<${p.toLowerCase()}>`).join(" ")}; ${help}`;
  }
  return undefined;
}

/**
 * Every value given to a repeatable option (`--peer a --peer b`, `--peer=c`), in order. citty
 * keeps only the last one; the words are read the way checkArgs reads them, so a value that
 * looks like the option (`-m --peer`) is not taken for it.
 */
export async function optionValues(
  cmd: WithArgs,
  rawArgs: string[],
  name: string,
): Promise<string[]> {
  const scanned = scan(await argTable(cmd), rawArgs);
  if ("bad" in scanned) return [];
  return scanned.given.flatMap((g) => (g.name === name && g.value !== undefined ? [g.value] : []));
}

/**
 * Why a command word is not one of `parent`'s (the root's, or `service`'s at `path`), with the
 * nearest one (by name, or at the root by alias too).
 */
export async function unknownCommand(
  parent: CommandDef,
  word: string,
  path: string[] = [],
): Promise<string> {
  const subs = Object.keys((parent.subCommands ? await resolve(parent.subCommands) : {}) ?? {});
  const aliases = path.length === 0 ? Object.keys(COMMAND_ALIASES) : [];
  const near = closest(word, [...subs, ...aliases]);
  const hint = near ? ` (did you mean ${commandNamed(near)}?)` : "";
  const what = path.length === 0 ? "command" : `${path.join(" ")} command`;
  return `unknown ${what} ${JSON.stringify(word)}${hint}; see ${["iapeer", ...path, "--help"].join(" ")}`;
}
