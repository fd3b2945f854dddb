import { defineCommand } from "citty";
import { initPeer } from "../registry/create";
import { requireHost } from "./context";
import { formatHint, newPeerArgs } from "./create";
import { actionError } from "./exit-codes";
import { consola } from "./log";
import { printJson } from "./output";
import { peerName } from "./peer-arg";
import { runtimeFlags } from "./runtime-flags";

export default defineCommand({
  meta: { name: "init", description: "Make an existing folder a peer, named after the folder" },
  args: {
    dir: {
      type: "positional",
      required: false,
      description: "The folder (default: the current one)",
    },
    name: { type: "string", description: "Use this name instead of one derived from the folder's" },
    ...newPeerArgs,
  },
  run({ args }) {
    const flags = runtimeFlags(args.runtime, args);
    const host = requireHost({ check: true });
    const r = initPeer(host, args.dir ?? process.cwd(), {
      runtime: args.runtime,
      ...(args.name !== undefined && { name: peerName(args.name) }),
      ...flags,
      ...(args.description !== undefined && { description: args.description }),
      alwaysOn: args["always-on"],
    });
    if (!r.ok) throw actionError(r.error);
    const p = r.value;
    if (args.json)
      return printJson({
        ok: true,
        peer: p.personality,
        cwd: p.cwd,
        adopted: p.adopted,
        profile: p.profile,
      });
    consola.success(
      `${p.adopted ? "registered the existing profile of" : "made"} ${p.personality} (${p.profile.defaultRuntime}) in ${p.cwd}`,
    );
    if (!p.adopted) formatHint(args.runtime, args.format);
  },
});
