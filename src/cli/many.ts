import { layoutOf } from "../core/paths";
import { registeredNames } from "../registry/names";
import { actionError, CliExit, EXIT } from "./exit-codes";
import { consola } from "./log";
import { requireConfig } from "./need-config";
import { printJson } from "./output";
import { peerNames } from "./peer-arg";

/**
 * One action over several peers (`stop a b`, `restart all`), as systemctl and pm2 do: each peer
 * acted on in turn and reported, one refusal not stopping the rest, the exit code the worst.
 * With one peer named, the command keeps its one-peer output.
 */

interface PeerOutcome {
  ok: boolean;
  peer: string;
  error?: string;
}

/** The words of the peer positional (citty keeps every positional in `_`). */
export function peerWords(args: { _?: unknown; peer?: unknown }): string[] {
  const rest = Array.isArray(args._) ? (args._ as unknown[]).map(String) : [];
  return rest.length > 0 ? rest : typeof args.peer === "string" ? [args.peer] : [];
}

/** Every registered peer's name (what `all` means), read from the registry alone. */
export function knownNames(): string[] {
  const known = registeredNames(layoutOf(requireConfig()).dbPath);
  if (!known.ok) throw actionError(known.error);
  return known.value;
}

/** The named peers, `all` read from the registry; undefined when exactly one was named. */
export function severalPeers(args: { _?: unknown; peer?: unknown }): string[] | undefined {
  const words = peerWords(args);
  const { names, all } = peerNames(words, knownNames);
  return all || names.length > 1 ? names : undefined;
}

/** Run `one` for each peer; a refusal (a CliExit) is that peer's outcome, not the end. */
export async function eachPeer<T extends PeerOutcome>(
  names: string[],
  json: boolean,
  one: (name: string) => Promise<T>,
  say: (outcome: T) => string,
): Promise<void> {
  const outcomes: (T | PeerOutcome)[] = [];
  for (const name of names) {
    try {
      outcomes.push(await one(name));
    } catch (error) {
      if (!(error instanceof CliExit)) throw error;
      outcomes.push({ ok: false, peer: name, error: error.message });
    }
  }
  if (json) printJson(outcomes);
  else if (outcomes.length === 0) consola.info("no peers");
  for (const o of outcomes) {
    if (!o.ok) process.stderr.write(`iapeer: ${o.peer}: ${o.error}\n`);
    else if (!json) consola.success(say(o as T));
  }
  if (outcomes.some((o) => !o.ok)) process.exitCode = EXIT.failed;
}
