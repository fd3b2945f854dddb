import type { ArgDef, CommandDef } from "citty";

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

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j] as number;
      row[j] = Math.min(
        here + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      prev = here;
    }
  }
  return row[b.length] as number;
}

/** The closest of `choices` to `word`, when it is close enough to be a typo of it. */
export function closest(word: string, choices: Iterable<string>): string | undefined {
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

/**
 * Why the words after the command are not what it takes (an unknown option, a value missing,
 * one word too many), or undefined when they are.
 */
export async function checkArgs(
  cmd: CommandDef,
  path: string[],
  rest: string[],
): Promise<string | undefined> {
  const args = (cmd.args ? await resolve(cmd.args) : {}) as Record<string, ArgDef>;
  const help = `see iapeer ${[...path, "--help"].join(" ")}`;
  const takesValue = new Map<string, boolean>();
  const positionals: string[] = [];
  let repeats = false;
  for (const [name, def] of Object.entries(args)) {
    if (def.type === "positional") {
      positionals.push(name);
      // `<peer...>`: the last positional takes every further word.
      if ((def as { valueHint?: string }).valueHint?.endsWith("...")) repeats = true;
      continue;
    }
    const alias = (def as { alias?: string | string[] }).alias;
    const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
    const value = def.type !== "boolean";
    for (const key of [name, ...aliases]) {
      takesValue.set(key.length === 1 ? `-${key}` : `--${key}`, value);
      if (!value && key.length > 1) takesValue.set(`--no-${key}`, false);
    }
  }
  takesValue.set("--help", false);
  takesValue.set("-h", false);
  const options = [...takesValue.keys()].filter((o) => o.startsWith("--"));
  const words: string[] = [];
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
    const [flag, inline] = word.includes("=")
      ? [word.slice(0, word.indexOf("=")), true]
      : [word, false];
    const value = takesValue.get(flag);
    if (value === undefined) return `unknown option ${flag}${suggest(flag, options)}; ${help}`;
    if (value && !inline) {
      if (i + 1 >= rest.length) return `${flag} needs a value; ${help}`;
      i++;
    }
    if (!value && inline) return `${flag} takes no value; ${help}`;
  }
  if (!repeats && words.length > positionals.length) {
    const extra = words[positionals.length];
    return positionals.length === 0
      ? `iapeer ${path.join(" ")} takes no arguments (got ${JSON.stringify(extra)}); ${help}`
      : `unexpected argument ${JSON.stringify(extra)}: iapeer ${path.join(" ")} takes ${positionals.map((p) => `<${p}>`).join(" ")}; ${help}`;
  }
  return undefined;
}

/** Why a command word is not one of the root's, with the nearest one. */
export async function unknownCommand(root: CommandDef, word: string): Promise<string> {
  const subs = root.subCommands ? await resolve(root.subCommands) : {};
  return `unknown command ${JSON.stringify(word)}${suggest(word, Object.keys(subs ?? {}))}; see iapeer --help`;
}
