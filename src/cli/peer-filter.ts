import type { CommandDef } from "citty";
import { getPeer, type PeerRecord } from "../registry/registry";
import type { Store } from "../store/db";
import { actionError } from "./exit-codes";
import { peerName } from "./peer-arg";
import { optionValues } from "./strict";

/** `--peer P`, given once per peer, as `journalctl -u a -u b` takes units. */
export const peerOption = {
  type: "string",
  valueHint: "peer",
  description: "Only this peer (give it again for more)",
} as const;

/**
 * The peers `--peer` names, each once, in order; undefined when none was given. A malformed
 * name is bad input (exit 2), checked for every name before the registry is asked; a peer
 * that is not registered is a refusal (exit 1).
 */
export async function peersNamed(
  context: { cmd: Pick<CommandDef, "args">; rawArgs: string[] },
  store: () => Store,
): Promise<PeerRecord[] | undefined> {
  const words = await optionValues(context.cmd, context.rawArgs, "peer");
  if (words.length === 0) return undefined;
  const names = [...new Set(words.map((w) => peerName(w)))];
  return names.map((name) => {
    const peer = getPeer(store(), name);
    if (!peer) throw actionError(`no peer named ${name}; see \`iapeer list\``);
    return peer;
  });
}
