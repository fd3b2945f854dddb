import { fail, ok, type Result } from "./result";

export const PERSONALITY_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
export const RUNTIME_PATTERN = /^[a-z][a-z0-9]{0,31}$/;
export const MAX_NAME_LENGTH = 32;
export const BUILTIN_RUNTIMES = ["claude", "codex", "telegram", "command", "echo"] as const;
type BuiltinRuntime = (typeof BUILTIN_RUNTIMES)[number];

/**
 * The sender a person at the CLI (or a local script) is, when no peer is named. Reserved: no
 * peer may take the name.
 */
export const HUMAN_SENDER = "human";

/** What `stop all`, `remove all` and the like read as every peer: no peer may take the name. */
export const ALL_PEERS = "all";

export interface Identity {
  runtime: string;
  personality: string;
  identity: string;
}

const show = (value: string): string => JSON.stringify(value);

export function validatePersonality(name: string): Result<string> {
  if (PERSONALITY_PATTERN.test(name)) return ok(name);
  return fail(
    `invalid personality ${show(name)}: use 1-32 characters a-z, 0-9 and "-", starting with a letter`,
  );
}

/** A mesh host's name: the same shape as a personality, so it fits a NATS subject token and a key. */
export function validateHostName(name: string): Result<string> {
  if (PERSONALITY_PATTERN.test(name)) return ok(name);
  return fail(
    `invalid host name ${show(name)}: use 1-32 characters a-z, 0-9 and "-", starting with a letter`,
  );
}

/**
 * The ASCII part of deriving a name: lowercase, every run of other characters to "-", trim "-",
 * cut to 32 and trim again (so the result is a fixed point). May still be empty or start with a digit.
 */
export function slugName(ascii: string): string {
  return ascii
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_NAME_LENGTH)
    .replace(/-+$/g, "");
}

export function validateRuntime(name: string): Result<string> {
  if (RUNTIME_PATTERN.test(name)) return ok(name);
  return fail(
    `invalid runtime ${show(name)}: use 1-32 characters a-z and 0-9 (no "-"), starting with a letter`,
  );
}

export function isBuiltinRuntime(name: string): name is BuiltinRuntime {
  return (BUILTIN_RUNTIMES as readonly string[]).includes(name);
}

/** The identity names the tmux session, its socket, its logs and its service label. */
export function makeIdentity(runtime: string, personality: string): Result<Identity> {
  const rt = validateRuntime(runtime);
  if (!rt.ok) return rt;
  const p = validatePersonality(personality);
  if (!p.ok) return p;
  return ok({ runtime, personality, identity: `${runtime}-${personality}` });
}

/** Runtimes never contain "-", so the first "-" is always the split point. */
export function parseIdentity(identity: string): Result<Identity> {
  const dash = identity.indexOf("-");
  if (dash < 0) {
    return fail(`invalid identity ${show(identity)}: expected <runtime>-<personality>`);
  }
  const made = makeIdentity(identity.slice(0, dash), identity.slice(dash + 1));
  if (!made.ok) return fail(`invalid identity ${show(identity)}: ${made.error}`);
  return made;
}
