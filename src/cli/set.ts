import { defineCommand } from "citty";
import type { Host } from "../home/host";
import { listSessions } from "../lifecycle/sessions";
import {
  type ServiceChange,
  type ServiceHooks,
  type UpdateResult,
  updatePeer,
} from "../lifecycle/update";
import { applyAssignments, parseAssignments, validKeys } from "../registry/assign";
import { installPeerService, uninstallPeerService } from "../service/peer-service";
import { runCommand } from "../service/runner";
import { requireHost } from "./context";
import { actionError, usageError } from "./exit-codes";
import { consola } from "./log";
import { printJson } from "./output";
import { jsonArg, peerName } from "./peer-arg";

/** An always-on peer's service follows its profile, as create and remove do. */
export const serviceHooks = (host: Host): ServiceHooks => ({
  install: (peer) => installPeerService(host, peer, runCommand),
  uninstall: (peer) => uninstallPeerService(host, peer, runCommand),
});

/** A service change as `--json` shows it: `{"installed":true,"path",…}`, `{"uninstalled"}`, `{"error"}`. */
export function serviceJson(change: ServiceChange): Record<string, unknown> {
  return "installed" in change ? { ...change.installed, installed: true } : change;
}

/** The sessions of a peer that run now: they keep the old settings until their next wake. */
const running = (host: Host, peer: string): string[] =>
  listSessions(host.store)
    .filter((s) => s.personality === peer && s.state === "live")
    .map((s) => s.identity);

/** Report an update the same way for set and edit: exit 2 for a bad value, 1 for a refusal. */
export function reportUpdate(host: Host, name: string, r: UpdateResult, json: boolean): void {
  if (!r.ok) throw r.kind === "invalid" ? usageError(r.error) : actionError(r.error);
  const { peer, changed, service } = r.value;
  const live = changed.length > 0 ? running(host, name) : [];
  const serviceOut = service && serviceJson(service);
  if (json) {
    printJson({
      ok: true,
      peer: name,
      changed,
      profile: peer.profile,
      ...(live.length > 0 && { running: live }),
      ...(serviceOut && { service: serviceOut }),
    });
    return;
  }
  if (changed.length === 0) {
    consola.info(`${name} already has those settings: nothing changed`);
    return;
  }
  consola.success(`updated ${name}: ${changed.join(", ")}`);
  if (service && "error" in service)
    consola.warn(
      `always-on, but its service is not installed: ${service.error}; \`iapeer service install --peer ${name}\` tries again`,
    );
  else if (service && "installed" in service)
    consola.info(`always-on: its service is ${service.installed.path}`);
  else if (service && "uninstalled" in service) consola.info("its always-on service is removed");
  if (live.length > 0)
    consola.info(
      `${live.join(", ")} runs with the old settings until its next wake; \`iapeer restart ${name}\` applies them now`,
    );
}

export default defineCommand({
  meta: {
    name: "set",
    description: "Change a peer's settings (key=value…); the daemon uses them from its next wake",
  },
  args: {
    peer: { type: "positional", required: true, description: "The peer's name" },
    settings: {
      type: "positional",
      required: true,
      valueHint: "key=value...",
      description: `What to change; ${validKeys()}; an empty value unsets a runtime setting`,
    },
    json: jsonArg,
  },
  async run({ args }) {
    const name = peerName(args.peer);
    const words = (Array.isArray(args._) ? (args._ as unknown[]).map(String) : []).slice(1);
    const assignments = parseAssignments(words);
    if (!assignments.ok) throw usageError(assignments.error);
    const host = requireHost({ check: true });
    const r = await updatePeer(
      host,
      name,
      (current) => applyAssignments(current, assignments.value),
      serviceHooks(host),
    );
    reportUpdate(host, name, r, args.json);
  },
});
