import { defineCommand } from "citty";
import { removePeer } from "../lifecycle/control";
import { uninstallPeerService } from "../service/peer-service";
import { runCommand } from "../service/runner";
import { requireHost } from "./context";
import { actionError, usageError } from "./exit-codes";
import { consola } from "./log";
import { eachPeer, peerWords, severalPeers } from "./many";
import { printJson } from "./output";
import { jsonArg, peerName, peersArg } from "./peer-arg";

export default defineCommand({
  meta: {
    name: "remove",
    description: "Stop a peer and drop it from the registry; its folder stays",
  },
  args: {
    peer: peersArg,
    yes: { type: "boolean", description: "Confirm `remove all`", default: false },
    json: jsonArg,
  },
  async run({ args }) {
    const several = severalPeers(args);
    const host = requireHost({ check: true });
    const one = async (name: string) => {
      const r = await removePeer(host, name, (peer) =>
        uninstallPeerService(host, peer, runCommand),
      );
      if (!r.ok) throw actionError(r.error);
      return { ok: true, peer: name, cwd: r.value.cwd, stopped: r.value.ended };
    };
    const say = (r: { peer: string; cwd: string }) =>
      `removed ${r.peer}; its folder ${r.cwd} is left as it was (profile set aside)`;
    if (several) {
      if (peerWords(args)[0] === "all" && !args.yes)
        throw usageError(`remove all would remove ${several.length} peers; add --yes to do it`);
      return eachPeer(several, args.json, one, say);
    }
    const removed = await one(peerName(args.peer));
    if (args.json) return printJson(removed);
    consola.success(say(removed));
  },
});
