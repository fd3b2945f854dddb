import { defineCommand } from "citty";
import type { Host } from "../home/host";
import { getPeer, type PeerRecord } from "../registry/registry";
import { installService, serviceFile, serviceStatus, uninstallService } from "../service/manager";
import { installPeerService, specFor, uninstallPeerService } from "../service/peer-service";
import { runCommand } from "../service/runner";
import { requireHost } from "./context";
import { actionError, EXIT, usageError } from "./exit-codes";
import { consola } from "./log";
import { printJson } from "./output";
import { peerName } from "./peer-arg";

const target = {
  daemon: { type: "boolean", description: "The router daemon", default: false },
  peer: { type: "string", description: "An always-on peer" },
  json: { type: "boolean", description: "Print JSON", default: false },
} as const;

function resolve(host: Host, args: { daemon: boolean; peer?: string }): PeerRecord | undefined {
  if (args.daemon === (args.peer !== undefined))
    throw usageError("name exactly one service: --daemon or --peer <name>");
  if (args.peer === undefined) return undefined;
  const name = peerName(args.peer);
  const peer = getPeer(host.store, name);
  if (!peer) throw actionError(`no peer named ${name}; see \`iapeer list\``);
  return peer;
}

const install = defineCommand({
  meta: {
    name: "install",
    description: "Write the service file and load it (launchd) or enable it (systemd)",
  },
  args: {
    ...target,
    print: {
      type: "boolean",
      description: "Only print the file that would be written",
      default: false,
    },
  },
  run({ args }) {
    const host = requireHost();
    const peer = resolve(host, args);
    const spec = specFor(host, peer);
    if (!spec.ok) throw actionError(spec.error);
    if (args.print) {
      process.stdout.write(serviceFile(host.config, spec.value).text);
      return;
    }
    if (peer && peer.profile.wake !== "always-on") {
      throw actionError(
        `peer ${peer.personality} is not always-on: make it with \`iapeer create … --always-on\``,
      );
    }
    const r = peer
      ? installPeerService(host, peer, runCommand)
      : installService(host.config, spec.value, runCommand);
    if (!r.ok) throw actionError(r.error);
    if (args.json) return printJson({ ok: true, ...r.value });
    consola.success(
      `${r.value.changed ? "wrote" : "unchanged:"} ${r.value.path}${host.config.serviceManager === "none" ? " (IAPEER_SERVICE_MANAGER=none: not loaded)" : ""}`,
    );
    for (const note of r.value.notes) consola.warn(note);
  },
});

const uninstall = defineCommand({
  meta: {
    name: "uninstall",
    description: "Stop the service and remove its file (only a file iapeer wrote)",
  },
  args: target,
  run({ args }) {
    const host = requireHost();
    const peer = resolve(host, args);
    const spec = specFor(host, peer);
    if (!spec.ok) throw actionError(spec.error);
    const r = peer
      ? uninstallPeerService(host, peer, runCommand)
      : uninstallService(host.config, spec.value, runCommand);
    if (!r.ok) throw actionError(r.error);
    const removed = typeof r.value === "boolean" ? r.value : r.value.removed;
    if (args.json) return printJson({ ok: true, removed });
    consola.success(removed ? "service removed" : "no service was installed");
  },
});

const status = defineCommand({
  meta: {
    name: "status",
    description: "Installed? loaded/active? pid, last exit status, restarts",
  },
  args: target,
  run({ args }) {
    const host = requireHost();
    const spec = specFor(host, resolve(host, args));
    if (!spec.ok) throw actionError(spec.error);
    const s = serviceStatus(host.config, spec.value, runCommand);
    // As systemctl answers: 4 for no such unit, 3 for one its manager does not say is running
    // (under IAPEER_SERVICE_MANAGER=none nothing runs it: installed is all there is to say).
    if (!s.installed) process.exitCode = EXIT.unknownPeer;
    else if (s.manager !== "none" && s.active !== true) process.exitCode = EXIT.notRunning;
    if (args.json) return printJson(s);
    console.log(
      `${s.name} (${s.manager}): ${s.installed ? `installed at ${s.path}` : "not installed"}`,
    );
    if (s.loaded !== undefined)
      console.log(
        `loaded ${s.loaded}, active ${s.active ?? false}${s.pid ? `, pid ${s.pid}` : ""}`,
      );
    if (s.lastExitStatus !== undefined) console.log(`last exit status ${s.lastExitStatus}`);
    if (s.restarts !== undefined) console.log(`restarts ${s.restarts}`);
  },
});

export default defineCommand({
  meta: {
    name: "service",
    description: "The daemon and always-on peers as launchd or systemd services",
  },
  subCommands: { install, uninstall, status },
});
