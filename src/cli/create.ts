import { defineCommand } from "citty";
import { createPeer, validateNewPeer } from "../registry/create";
import { missingProgram } from "../runtimes/command";
import { installPeerService } from "../service/peer-service";
import { runCommand } from "../service/runner";
import { requireHost } from "./context";
import { actionError, usageError } from "./exit-codes";
import { consola } from "./log";
import { requireConfig } from "./need-config";
import { printJson } from "./output";
import { jsonArg, newPeerName } from "./peer-arg";
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
      ...(args.path !== undefined && { path: args.path }),
      ...runtimeFlags(args.runtime, args),
      ...(args.description !== undefined && { description: args.description }),
      alwaysOn: args["always-on"],
    };
    const valid = validateNewPeer(input);
    if (!valid.ok) throw usageError(valid.error);
    const host = requireHost({ check: true });
    const created = createPeer(host, input);
    if (!created.ok) throw actionError(created.error);
    const p = created.value;
    const service =
      p.profile.wake === "always-on" ? installPeerService(host, p, runCommand) : undefined;
    if (args.json) {
      const serviceJson = service && (service.ok ? service.value : { error: service.error });
      return printJson({
        ok: true,
        peer: p.personality,
        cwd: p.cwd,
        profile: p.profile,
        ...(serviceJson && { service: serviceJson }),
      });
    }
    consola.success(`created ${p.personality} (${p.profile.defaultRuntime}) in ${p.cwd}`);
    formatHint(args.runtime, args.format);
    if (service && !service.ok) {
      consola.warn(
        `always-on, but its service is not installed: ${service.error}; \`iapeer service install --peer ${p.personality}\` tries again`,
      );
    } else if (service?.ok) {
      const loaded =
        host.config.serviceManager === "none"
          ? " (written, not loaded: IAPEER_SERVICE_MANAGER=none)"
          : "";
      consola.info(`always-on: its service is ${service.value.path}${loaded}`);
      for (const note of service.value.notes) consola.warn(note);
    }
  },
});

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
