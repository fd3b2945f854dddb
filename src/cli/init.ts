import { existsSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { defineCommand } from "citty";
import { normalizeName } from "../core/normalize-name";
import { reservedName } from "../registry/create";
import { type Profile, profilePath } from "../registry/profile";
import { formatHint, needsCommand, newPeerArgs } from "./create";
import { usageError } from "./exit-codes";
import { consola } from "./log";
import { printJson } from "./output";
import { newPeerName } from "./peer-arg";
import { askRegistry } from "./registry-client";
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
  async run({ args }) {
    const flags = runtimeFlags(args.runtime, args);
    // What the command line got wrong is bad input (2), found before anything is opened.
    const dir = resolve(args.dir ?? process.cwd());
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw usageError(`${dir} is not an existing folder`);
    const name = args.name === undefined ? undefined : await newPeerName(args.name);
    if (!existsSync(profilePath(dir))) {
      needsCommand(args.runtime, args.command, "init");
      const derived = name === undefined ? normalizeName(basename(dir)) : undefined;
      if (derived && !derived.ok) throw usageError(derived.error);
      const reserved = reservedName(name ?? (derived?.ok ? derived.value : ""));
      if (reserved) throw usageError(`${reserved} (give it one with --name)`);
    }
    // The daemon registers it (or adopts the profile the folder holds).
    const p = await askRegistry<Initialised>("/v1/registry/init", {
      dir,
      runtime: args.runtime,
      ...(name !== undefined && { name }),
      ...flags,
      ...(args.description !== undefined && { description: args.description }),
      alwaysOn: args["always-on"],
    });
    if (args.json) return printJson(p);
    consola.success(
      `${p.adopted ? "registered the existing profile of" : "made"} ${p.peer} (${p.profile.defaultRuntime}) in ${p.cwd}`,
    );
    if (!p.adopted) formatHint(args.runtime, args.format);
  },
});

/** The daemon's answer to an init, which `--json` prints as it is. */
interface Initialised {
  ok: true;
  peer: string;
  cwd: string;
  adopted: boolean;
  profile: Profile;
}
