import { resolve } from "node:path";
import { defineCommand } from "citty";
import { validateNewPeer } from "../registry/create";
import type { Profile } from "../registry/profile";
import { missingProgram } from "../runtimes/command";
import type { InstallReport } from "../service/manager";
import { usageError } from "./exit-codes";
import { consola } from "./log";
import { requireConfig } from "./need-config";
import { printJson } from "./output";
import { jsonArg, newPeerName } from "./peer-arg";
import { askRegistry } from "./registry-client";
import { runtimeFlagArgs, runtimeFlags } from "./runtime-flags";

export const newPeerArgs = {
  runtime: {
    type: "string",
    required: true,
    description: "claude, codex, telegram, command or echo",
  },
  ...runtimeFlagArgs,
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
  async run({ args }) {
    needsCommand(args.runtime, args.command, "create");
    const input = {
      name: await newPeerName(args.name),
      runtime: args.runtime,
      // The folder is the one this line names, so it is resolved here, not in the daemon.
      ...(args.path !== undefined && { path: resolve(args.path) }),
      ...runtimeFlags(args.runtime, args),
      ...(args.description !== undefined && { description: args.description }),
      alwaysOn: args["always-on"],
    };
    const valid = validateNewPeer(input);
    if (!valid.ok) throw usageError(valid.error);
    // The daemon registers it and, for an always-on peer, installs its service.
    const p = await askRegistry<Created>("/v1/registry/create", input);
    if (args.json) return printJson(p);
    consola.success(`created ${p.peer} (${p.profile.defaultRuntime}) in ${p.cwd}`);
    formatHint(args.runtime, args.format);
    const service = p.service;
    if (service && "error" in service) {
      consola.warn(
        `always-on, but its service is not installed: ${service.error}; \`iapeer service install --peer ${p.peer}\` tries again`,
      );
    } else if (service) {
      const loaded =
        requireConfig().serviceManager === "none"
          ? " (written, not loaded: IAPEER_SERVICE_MANAGER=none)"
          : "";
      consola.info(`always-on: its service is ${service.path}${loaded}`);
      for (const note of service.notes) consola.warn(note);
    }
  },
});

/** The daemon's answer to a create, which `--json` prints as it is. */
interface Created {
  ok: true;
  peer: string;
  cwd: string;
  profile: Profile;
  service?: InstallReport | { error: string };
}

/**
 * The command runtime runs what --command names; without it there is nothing to run, and a
 * program not on the session's PATH would only fail at its first wake.
 */
export function needsCommand(runtime: string, command: string | undefined, verb: string): void {
  if (runtime !== "command") return;
  if (command === undefined || command.trim() === "")
    throw usageError(
      `the command runtime needs --command CMD, the program to run (see iapeer ${verb} --help)`,
    );
  const missing = missingProgram(command, requireConfig().path);
  if (missing) throw usageError(missing);
}

/** A command peer gets envelopes unless told otherwise: say so, since a shell would run them. */
export function formatHint(runtime: string, format: string | undefined): void {
  if (runtime === "command" && format === undefined)
    consola.info(
      "messages are typed in as the XML envelope (for an AI CLI); a shell or REPL wants --format text",
    );
}
