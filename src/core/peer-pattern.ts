import { validateHostName, validatePersonality } from "./names";
import { fail, ok, type Result } from "./result";

/**
 * Who a peer accepts messages from, and whom it may send to: a list of patterns. `*` is anyone;
 * `name` is this host's peer (or, for `human`, the person at this host's CLI); `name@host` one of
 * another host; `*@host` anyone of that host, its person included. No list means `*`.
 */

const ANYONE = "*";

/** A pattern, or why it is not one. */
export function validatePattern(text: string): Result<string> {
  if (text === ANYONE) return ok(text);
  const at = text.indexOf("@");
  const name = at < 0 ? text : text.slice(0, at);
  if (at >= 0) {
    const host = validateHostName(text.slice(at + 1));
    if (!host.ok) return fail(`${JSON.stringify(text)}: ${host.error}`);
  }
  if (name === ANYONE && at >= 0) return ok(text);
  const valid = validatePersonality(name);
  if (!valid.ok)
    return fail(
      `${JSON.stringify(text)} is not a pattern: use *, a name, name@host, *@host or human`,
    );
  return ok(text);
}

/** Every pattern of a list, or the first bad one's error. */
export function validatePatterns(list: unknown, label: string): Result<string[]> {
  if (!Array.isArray(list) || !list.every((p) => typeof p === "string"))
    return fail(`${label} must be a list of patterns`);
  for (const p of list) {
    const valid = validatePattern(p);
    if (!valid.ok) return fail(`${label}: ${valid.error}`);
  }
  return ok(list);
}

/** A peer (or the person) somewhere: `host` is where it is. */
export interface Party {
  personality: string;
  host: string | undefined;
}

/** Whether a pattern names this party, seen from `thisHost`. */
export function matches(pattern: string, party: Party, thisHost: string | undefined): boolean {
  if (pattern === ANYONE) return true;
  const at = pattern.indexOf("@");
  const name = at < 0 ? pattern : pattern.slice(0, at);
  const host = at < 0 ? thisHost : pattern.slice(at + 1);
  const partyHost = party.host ?? thisHost;
  if (host !== partyHost) return false;
  return name === ANYONE || name === party.personality;
}

/** Whether a list (none: anyone) lets this party through. */
export const allows = (
  list: readonly string[] | undefined,
  party: Party,
  thisHost: string | undefined,
): boolean => list === undefined || list.some((p) => matches(p, party, thisHost));
