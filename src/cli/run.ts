import { type CommandDef, renderUsage, runCommand } from "citty";
import { colorWanted } from "../core/config";
import { versionLine } from "../core/version";
import { withCommandName } from "./aliases";
import { CliExit, EXIT, usageError } from "./exit-codes";
import { checkArgs, commandFor, unknownCommand } from "./strict";

const HELP_FLAGS = new Set(["--help", "-h"]);
const VERSION_FLAGS = new Set(["--version", "-v", "-V"]);

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour sequences start with ESC
const ANSI = /\u001b\[[0-9;]*m/g;

let jsonWanted = false;
let running: CommandDef | undefined;

/** The root command the CLI runs: `completion` walks it to write its scripts. */
export function cliRoot(): CommandDef {
  if (!running) throw new Error("cliRoot() called outside runCli");
  return running;
}

/**
 * One line on stderr that says what went wrong; never a stack trace for expected failures. With
 * `--json`, stdout gets the same as one JSON object, so a script always reads exactly one.
 */
function printError(message: string, code: number): void {
  const line = message.replace(ANSI, "").replace(/\s*\n\s*/g, " ");
  process.stderr.write(`iapeer: ${line}\n`);
  if (jsonWanted) process.stdout.write(`${JSON.stringify({ ok: false, error: line, code })}\n`);
}

/**
 * The sub-command named by the leading positional words, for `--help` anywhere in the line, and
 * a parent named by the whole path, so a nested command's usage reads `iapeer service install`.
 */
async function resolveForHelp(
  root: CommandDef,
  argv: string[],
): Promise<[CommandDef, CommandDef | undefined, string[]]> {
  let cmd = root;
  const path: string[] = [];
  for (const word of argv) {
    if (word.startsWith("-")) break;
    const subs =
      typeof cmd.subCommands === "function" ? await cmd.subCommands() : await cmd.subCommands;
    const next = subs?.[word];
    if (!next) break;
    path.push(word);
    cmd = (typeof next === "function" ? await next() : await next) as CommandDef;
  }
  if (path.length === 0) return [cmd, undefined, path];
  return [cmd, { meta: { name: ["iapeer", ...path.slice(0, -1)].join(" ") } }, path];
}

/**
 * Run the CLI with the contract's exit codes: 2 for bad usage or input, 1 for a failed action.
 * citty's own runMain exits 1 on usage errors, so it is not used.
 */
export async function runCli(root: CommandDef, typed: string[]): Promise<never> {
  running = root;
  const argv = withCommandName(typed);
  jsonWanted = argv.includes("--json");
  let named: string[] = [];
  try {
    // `iapeer help [command…]` is `iapeer [command…] --help`.
    const asked = argv[0] === "help" ? [...argv.slice(1), "--help"] : argv;
    if (argv[0] === "help" && argv.length > 1) {
      const named = await commandFor(root, argv.slice(1));
      if (named.unknown)
        throw usageError(await unknownCommand(named.cmd, named.unknown, named.path));
    }
    if (asked.some((a) => HELP_FLAGS.has(a)) || asked.length === 0) {
      const [cmd, parent, path] = await resolveForHelp(root, asked);
      const { helpExtras } = await import("./examples");
      const usage = (await renderUsage(cmd, parent)) + helpExtras(path);
      console.log(colorWanted(process.stdout.isTTY) ? usage : usage.replace(ANSI, ""));
      // A bare `iapeer` is a usage mistake; asking for help is not.
      process.exit(asked.length === 0 ? EXIT.usage : EXIT.ok);
    }
    if (argv.length === 1 && VERSION_FLAGS.has(argv[0] as string)) {
      console.log(versionLine());
      process.exit(EXIT.ok);
    }
    const { cmd, path, rest, unknown } = await commandFor(root, argv);
    named = path;
    if (unknown) throw usageError(await unknownCommand(cmd, unknown, path));
    const bad = await checkArgs(cmd, path, rest);
    if (bad) throw usageError(bad);
    await runCommand(root, { rawArgs: argv });
    process.exit(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CliExit) {
      printError(error.message, error.code);
      process.exit(error.code);
    }
    if (error instanceof Error && error.name === "CLIError") {
      // citty's parse errors: unknown command, missing argument, bad enum value.
      printError(`${error.message} (see ${["iapeer", ...named, "--help"].join(" ")})`, EXIT.usage);
      process.exit(EXIT.usage);
    }
    // The state database went bad under a running command: that is the database's fault.
    // Loaded only here: the database's modules are no part of a client command's start-up.
    const { databaseFailure } = await import("./context");
    const database = databaseFailure(error);
    if (database) {
      printError(database, EXIT.failed);
      process.exit(EXIT.failed);
    }
    // Not an expected failure: a bug. The stack goes below the one-line error to help a report.
    printError(`internal error (a bug in iapeer, please report it): ${String(error)}`, EXIT.failed);
    if (error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exit(EXIT.failed);
  }
}
