import { allows, type Party } from "../core/peer-pattern";
import type { Host } from "../home/host";
import { getPeer } from "../registry/registry";
import { HUMAN_SENDER } from "./sender";

/**
 * Who may talk to whom: the sender's `may-send-to` and the recipient's `accepts-from`. Policy
 * between cooperating agents (all run as one user and could edit each other's profiles), and a
 * record of what each agreed to; not a wall (README "Security").
 */

const shown = (p: Party, thisHost: string | undefined): string =>
  p.host === undefined || p.host === thisHost ? p.personality : `${p.personality}@${p.host}`;

/** Why the recipient, a peer of this host, does not take a message from `from`. */
export function acceptsFromRefusal(host: Host, from: Party, to: string): string | undefined {
  const thisHost = host.config.host;
  const list = getPeer(host.store, to)?.profile.acceptsFrom;
  if (allows(list, from, thisHost)) return undefined;
  return `peer ${to} does not accept messages from ${shown(from, thisHost)} (its accepts-from: ${list?.join(", ") || "nobody"})`;
}

/**
 * Why a send from `from` (a peer of this host, or its person) to `to` is refused by either side's
 * list; the recipient's is known here only when it is a peer of this host (another host checks
 * its own when the message arrives).
 */
export function sendPolicyRefusal(host: Host, from: string, to: Party): string | undefined {
  const thisHost = host.config.host;
  const local = to.host === undefined || to.host === thisHost;
  if (from !== HUMAN_SENDER) {
    const list = getPeer(host.store, from)?.profile.maySendTo;
    if (!allows(list, to, thisHost))
      return `peer ${from} may not send to ${shown(to, thisHost)} (its may-send-to: ${list?.join(", ") || "nobody"})`;
  }
  return local
    ? acceptsFromRefusal(host, { personality: from, host: thisHost }, to.personality)
    : undefined;
}
