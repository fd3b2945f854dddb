import { ALL_PEERS, validatePersonality } from "../core/names";
import { usageError } from "./exit-codes";

export const peerArg = {
  type: "positional",
  required: true,
  description: "The peer's name",
} as const;
export const runtimeArg = {
  type: "string",
  description: "One of the peer's runtimes (default: its default runtime)",
} as const;
export const jsonArg = { type: "boolean", description: "Print JSON", default: false } as const;

/** A peer name as typed: malformed is bad input (exit 2); unknown is for the command to say. */
export function peerName(raw: string | undefined): string {
  const name = validatePersonality(raw ?? "");
  if (!name.ok) throw usageError(name.error);
  return name.value;
}

/**
 * A new peer's name as typed: one that is not a name but derives one the way `init` derives a
 * folder's (`café` → `cafe`) is refused with that name offered.
 */
export async function newPeerName(raw: string): Promise<string> {
  const name = validatePersonality(raw);
  if (name.ok) return name.value;
  const { normalizeName } = await import("../core/normalize-name");
  const derived = normalizeName(raw);
  throw usageError(derived.ok ? `${name.error}; did you mean ${derived.value}?` : name.error);
}

/** Several peers at once (`stop a b`, `restart all`): the positional strict parsing lets repeat. */
export const peersArg = {
  type: "positional",
  required: true,
  valueHint: "peer...",
  description: "One or more peers, or all",
} as const;

/**
 * The peers a command line names: each word once, in order, each a valid name; `all` (alone)
 * is every registered peer. Throws a usage error for a malformed name or `all` among others.
 */
export function peerNames(
  words: readonly string[],
  everyone: () => string[],
): { names: string[]; all: boolean } {
  if (words.includes(ALL_PEERS)) {
    if (words.length > 1) throw usageError("`all` names every peer: give it alone");
    return { names: everyone(), all: true };
  }
  return { names: [...new Set(words.map((w) => peerName(w)))], all: false };
}
