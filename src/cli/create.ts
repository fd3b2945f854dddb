import { defineCommand } from "citty";
import { consola } from "consola";
import { createPeer, validateNewPeer } from "../registry/create";
import { requireHost } from "./context";
import { actionError, usageError } from "./exit-codes";
import { printJson } from "./output";
import { jsonArg, peerName } from "./peer-arg";

export const newPeerArgs = {
  runtime: {
    type: "string",
    required: true,
    description: "claude, codex, telegram, command or echo",
  },
  command: { type: "string", description: "command runtime: the command line to run" },
  description: { type: "string", description: "What this peer is for (≤ 450 characters)" },
  "always-on": {
    type: "boolean",
    description: "Held alive by the service manager, never put to sleep",
    default: false,
  },
  json: jsonArg,
} as const;

export default defineCommand({
  meta: { name: "create", description: "Make a new peer in its own folder" },
  args: {
    name: { type: "positional", required: true, description: "The peer's name" },
    path: { type: "string", description: "Its folder (default $IAPEER_HOME/peers/<name>)" },
    ...newPeerArgs,
  },
  run({ args }) {
    const input = {
      name: peerName(args.name),
      runtime: args.runtime,
      ...(args.path !== undefined && { path: args.path }),
      ...(args.command !== undefined && { command: args.command }),
      ...(args.description !== undefined && { description: args.description }),
      alwaysOn: args["always-on"],
    };
    const valid = validateNewPeer(input);
    if (!valid.ok) throw usageError(valid.error);
    const host = requireHost();
    const created = createPeer(host, input);
    if (!created.ok) throw actionError(created.error);
    const p = created.value;
    if (args.json)
      return printJson({ ok: true, peer: p.personality, cwd: p.cwd, profile: p.profile });
    consola.success(`created ${p.personality} (${p.profile.defaultRuntime}) in ${p.cwd}`);
    if (p.profile.wake === "always-on")
      consola.info("always-on: its service manager keeps it running once its service is installed");
  },
});
