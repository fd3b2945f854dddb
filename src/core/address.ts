import { validateHostName, validatePersonality } from "./names";

const NAME_RULE = '1-32 characters a-z, 0-9 and "-", starting with a letter';

import { fail, ok, type Result } from "./result";

/**
 * A peer's address across hosts: `ana@mini2` is peer `ana` on host `mini2`; a bare `ana` names
 * no host and is resolved against this host and the directory of the others.
 */
export interface PeerAddress {
  readonly personality: string;
  readonly host?: string;
}

/** Longer than any valid address (32 + "@" + 32): an error never quotes a flood. */
const SHOWN_MAX = 80;

function show(text: string): string {
  const cut = text.length > SHOWN_MAX ? `${text.slice(0, SHOWN_MAX)}…` : text;
  return JSON.stringify(cut);
}

export function parseAddress(text: string): Result<PeerAddress> {
  const at = text.indexOf("@");
  const badPersonality = () => fail(`invalid peer ${show(text)}: a personality is ${NAME_RULE}`);
  if (at < 0) return validatePersonality(text).ok ? ok({ personality: text }) : badPersonality();
  const personality = text.slice(0, at);
  const host = text.slice(at + 1);
  if (host.includes("@")) {
    return fail(`invalid peer ${show(text)}: expected <personality>@<host>, with one "@"`);
  }
  if (!validatePersonality(personality).ok) return badPersonality();
  if (!validateHostName(host).ok) {
    return fail(`invalid peer ${show(text)}: after "@", a host name is ${NAME_RULE}`);
  }
  return ok({ personality, host });
}

export function formatAddress(address: PeerAddress): string {
  return address.host === undefined
    ? address.personality
    : `${address.personality}@${address.host}`;
}

/** `ana@mini2`'s host, or this host for a bare name. */
export const isLocal = (address: PeerAddress, thisHost: string): boolean =>
  address.host === undefined || address.host === thisHost;

/**
 * Which host a bare name means: this host when it has a peer of that name; otherwise the one
 * other host that has it. None, or several, is an error (several names them, to choose from).
 * An address with a host is taken as it is.
 */
export function resolveAddress(
  address: PeerAddress,
  thisHost: string,
  hasLocal: (personality: string) => boolean,
  /** Every other host that has a peer of that name, per the directory. */
  remoteHostsOf: (personality: string) => readonly string[],
): Result<Required<PeerAddress>> {
  const { personality } = address;
  if (address.host !== undefined) return ok({ personality, host: address.host });
  if (hasLocal(personality)) return ok({ personality, host: thisHost });
  const hosts = [...new Set(remoteHostsOf(personality))].filter((h) => h !== thisHost).sort();
  const [only] = hosts;
  if (hosts.length === 1 && only !== undefined) return ok({ personality, host: only });
  if (hosts.length === 0) return fail(`no peer named ${show(personality)} on any host`);
  const choices = hosts.map((h) => `${personality}@${h}`).join(", ");
  return fail(`${show(personality)} names a peer on several hosts: say which (${choices})`);
}
