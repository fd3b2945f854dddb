import { defineCommand } from "citty";
import { layoutOf } from "../core/paths";
import type { PeerRuntimeState } from "../lifecycle/state";
import type { MeshFleet } from "../mesh/every-host";
import { askDaemon } from "./daemon-client";
import { actionError } from "./exit-codes";
import { consola } from "./log";
import { requireConfig } from "./need-config";
import { ago, duration, printJson, printTable, stateCell } from "./output";
import { jsonArg } from "./peer-arg";

export default defineCommand({
  meta: { name: "list", description: "Every peer, each of its runtimes and its state" },
  args: {
    names: {
      type: "boolean",
      description:
        "Only the names, one a line, from the registry alone (quick; for scripts and completion)",
      default: false,
    },
    all: {
      type: "boolean",
      description: "Every host's peers, with a HOST column (through the daemon's link to the mesh)",
      default: false,
    },
    json: jsonArg,
  },
  async run({ args }) {
    if (args.names) {
      const { registeredNames } = await import("../registry/names");
      const names = registeredNames(layoutOf(requireConfig()).dbPath);
      if (!names.ok) throw actionError(names.error);
      if (args.json) return printJson(names.value);
      if (names.value.length > 0) process.stdout.write(`${names.value.join("\n")}\n`);
      return;
    }
    if (args.all) return listAll(args.json);
    const states = await askDaemon<(PeerRuntimeState & { queued?: number })[]>("GET", "/v1/peers");
    if (args.json) return printJson(states);
    if (states.length === 0) {
      consola.info("no peers yet: `iapeer create <name> --runtime echo` makes one");
      return;
    }
    printTable(
      ["PEER", "RUNTIME", "STATE", "AGENT", "QUEUE", "PID", "UPTIME", "ACTIVE", "FOLDER"],
      states.map((s) => [
        s.personality,
        s.default ? s.runtime : `${s.runtime} (alt)`,
        stateCell(s),
        s.agent ? s.agent.state : "-",
        String(s.queued ?? 0),
        s.pid ? String(s.pid) : "-",
        duration(s.uptime_s),
        s.last_activity ? `${ago(s.last_activity)} ago` : "-",
        s.cwd,
      ]),
    );
    const broken = new Map(states.filter((s) => s.problem).map((s) => [s.personality, s.problem]));
    for (const [peer, problem] of broken)
      consola.warn(`${peer} is broken: ${problem}; fix it, then \`iapeer verify --fix\``);
    const asking = states.filter((s) => s.agent?.state === "asking");
    if (asking.length > 0)
      consola.warn(
        `${asking.map((s) => s.personality).join(", ")} ${asking.length === 1 ? "waits" : "wait"} for a person's answer: \`iapeer approvals\``,
      );
  },
});

/** `list --all`: the daemon holds the mesh's link. */
async function listAll(json: boolean): Promise<void> {
  const fleet = await askDaemon<MeshFleet>("GET", "/v1/peers?all=1");
  if (fleet.mesh === "down")
    consola.warn("the mesh cannot be reached now: only this host's peers are shown");
  if (json) return printJson(fleet.rows);
  printTable(
    ["HOST", "PEER", "RUNTIME", "STATE", "PID", "UPTIME", "SEEN"],
    fleet.rows.map((r) =>
      "runtimes" in r
        ? [
            r.host,
            r.personality,
            r.runtimes.join(","),
            r.state,
            "-",
            "-",
            `${ago(r.last_seen)} ago`,
          ]
        : [
            r.host,
            r.personality,
            r.default ? r.runtime : `${r.runtime} (alt)`,
            r.state,
            r.pid ? String(r.pid) : "-",
            duration(r.uptime_s),
            "now",
          ],
    ),
  );
}
