import { defineCommand } from "citty";
import { parseAssignments, validKeys } from "../registry/assign";
import type { Profile } from "../registry/profile";
import { usageError } from "./exit-codes";
import { consola } from "./log";
import { printJson } from "./output";
import { jsonArg, peerName } from "./peer-arg";
import { askRegistry } from "./registry-client";

/** The daemon's answer to set and edit, which `--json` prints as it is. */
export interface Updated {
  ok: true;
  peer: string;
  changed: string[];
  profile: Profile;
  /** Its sessions that run now, with the old settings until their next wake. */
  running?: string[];
  service?: { installed: true; path: string } | { uninstalled: boolean } | { error: string };
}

/** Report an update the same way for set and edit. */
export function reportUpdate(r: Updated, json: boolean): void {
  if (json) {
    printJson(r);
    return;
  }
  const { peer: name, changed, service, running = [] } = r;
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
    consola.info(`always-on: its service is ${service.path}`);
  else if (service && "uninstalled" in service) consola.info("its always-on service is removed");
  if (running.length > 0)
    consola.info(
      `${running.join(", ")} runs with the old settings until its next wake; \`iapeer restart ${name}\` applies them now`,
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
    // The daemon changes the profile and the registry together, and the service follows.
    const r = await askRegistry<Updated>("/v1/registry/set", {
      peer: name,
      assignments: assignments.value,
    });
    reportUpdate(r, args.json);
  },
});
