import { defineCommand } from "citty";
import { layoutOf } from "../core/paths";
import { adoptRunningSessions } from "../lifecycle/adopt";
import { allStates } from "../lifecycle/state";
import { deathPass } from "../lifecycle/supervise";
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
