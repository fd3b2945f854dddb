import { defineCommand } from "citty";
import { layoutOf } from "../core/paths";
import { callDaemon } from "../daemon/client";
import { runningDaemon } from "../daemon/info";
import { adoptRunningSessions } from "../lifecycle/adopt";
import { allStates } from "../lifecycle/state";
import { deathPass } from "../lifecycle/supervise";
import { type MeshFleet, meshFleet } from "../mesh/fleet";
import { registeredNames } from "../registry/names";
import { requireConfig, requireHost } from "./context";
import { actionError } from "./exit-codes";
import { consola } from "./log";
import { ago, duration, printJson, printTable } from "./output";
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
      const names = registeredNames(layoutOf(requireConfig()).dbPath);
      if (!names.ok) throw actionError(names.error);
      if (args.json) return printJson(names.value);
      if (names.value.length > 0) process.stdout.write(`${names.value.join("\n")}\n`);
      return;
    }
    if (args.all) return listAll(args.json);
    const host = requireHost();
    adoptRunningSessions(host);
    await deathPass(host);
    const states = allStates(host);
    if (args.json) return printJson(states);
    if (states.length === 0) {
      console.log("no peers yet: `iapeer create <name> --runtime echo` makes one");
      return;
    }
    printTable(
      ["PEER", "RUNTIME", "STATE", "PID", "UPTIME", "ACTIVE", "FOLDER"],
      states.map((s) => [
        s.personality,
        s.default ? s.runtime : `${s.runtime} (alt)`,
        s.state === "failed" && s.failed_until ? `failed until ${s.failed_until}` : s.state,
        s.pid ? String(s.pid) : "-",
        duration(s.uptime_s),
        s.last_activity ? `${ago(s.last_activity)} ago` : "-",
        s.cwd,
      ]),
    );
    const broken = new Map(states.filter((s) => s.problem).map((s) => [s.personality, s.problem]));
    for (const [peer, problem] of broken)
      consola.warn(`${peer} is broken: ${problem}; fix it, then \`iapeer verify --fix\``);
  },
});

/** `list --all`: the daemon holds the mesh's link, so it is asked; without it, this host alone. */
async function listAll(json: boolean): Promise<void> {
  const host = requireHost();
  const daemon = runningDaemon(host.layout);
  let fleet: MeshFleet;
  if (daemon) {
    const asked = await callDaemon<MeshFleet>(daemon, "GET", "/v1/peers?all=1");
    if (!asked.ok) throw actionError(asked.error);
    fleet = asked.value;
  } else {
    adoptRunningSessions(host);
    await deathPass(host);
    fleet = await meshFleet(host, undefined);
  }
  if (fleet.mesh === "down")
    consola.warn(
      daemon
        ? "the mesh cannot be reached now: only this host's peers are shown"
        : "the daemon is not running, and it holds the link to the mesh: only this host's peers are shown",
    );
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
