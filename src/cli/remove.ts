import { defineCommand } from "citty";
import { askDaemon } from "./daemon-client";
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
    // The daemon stops its sessions and drops it: sessions are the daemon's to end.
    const one = async (name: string) => {
      const r = await askDaemon<{ ok: boolean; cwd: string; stopped: string[]; error?: string }>(
        "POST",
        `/v1/peers/${encodeURIComponent(name)}/remove`,
      );
      if (!r.ok) throw actionError(r.error ?? "remove failed");
      return { ok: true, peer: name, cwd: r.cwd, stopped: r.stopped };
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
