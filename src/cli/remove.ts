import { defineCommand } from "citty";
import { removePeer } from "../lifecycle/control";
import { uninstallPeerService } from "../service/peer-service";
import { runCommand } from "../service/runner";
import { requireHost } from "./context";
import { actionError } from "./exit-codes";
import { consola } from "./log";
import { printJson } from "./output";
import { jsonArg, peerArg, peerName } from "./peer-arg";

export default defineCommand({
  meta: {
    name: "remove",
    description: "Stop a peer and drop it from the registry; its folder stays",
  },
  args: { peer: peerArg, json: jsonArg },
  async run({ args }) {
    const name = peerName(args.peer);
    const host = requireHost({ check: true });
    const r = await removePeer(host, name, (peer) => uninstallPeerService(host, peer, runCommand));
    if (!r.ok) throw actionError(r.error);
    if (args.json)
      return printJson({ ok: true, peer: name, cwd: r.value.cwd, stopped: r.value.ended });
    consola.success(
      `removed ${name}; its folder ${r.value.cwd} is left as it was (profile set aside)`,
    );
  },
});
