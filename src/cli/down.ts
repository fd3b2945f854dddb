import { defineCommand } from "citty";
import type { PeerRuntimeState } from "../lifecycle/state";
import { askDaemon } from "./daemon-client";
import { CliExit, EXIT } from "./exit-codes";
import { stopOne } from "./lifecycle-commands";
import { consola } from "./log";
import { printJson } from "./output";
import { jsonArg } from "./peer-arg";
import { fleetFileArg, loadFleet } from "./up";

export default defineCommand({
  meta: { name: "down", description: "Stop the peers of a fleet file (iapeer.toml), as stop does" },
  args: { file: fleetFileArg, json: jsonArg },
  async run({ args }) {
    const fleet = await loadFleet(args.file);
    const known = new Set(
      (await askDaemon<PeerRuntimeState[]>("GET", "/v1/peers")).map((s) => s.personality),
    );
    const reports: {
      ok: boolean;
      peer: string;
      stopped?: string[];
      registered?: false;
      error?: string;
    }[] = [];
    for (const { name } of fleet.entries) {
      if (!known.has(name)) {
        reports.push({ ok: true, peer: name, registered: false });
        continue;
      }
      try {
        reports.push({ ok: true, peer: name, stopped: await stopOne(name) });
      } catch (error) {
        if (!(error instanceof CliExit)) throw error;
        reports.push({ ok: false, peer: name, error: error.message });
      }
    }
    const allOk = reports.every((r) => r.ok);
    if (!allOk) process.exitCode = EXIT.failed;
    if (args.json) return printJson({ ok: allOk, file: fleet.path, peers: reports });
    for (const r of reports) {
      if (!r.ok) process.stderr.write(`iapeer: ${r.peer}: ${r.error}\n`);
      else if (r.registered === false) consola.info(`${r.peer}: not a peer here; nothing to stop`);
      else
        consola.success(
          r.stopped && r.stopped.length > 0
            ? `stopped ${r.stopped.join(", ")}`
            : `${r.peer} had no live session; it is marked stopped`,
        );
    }
  },
});
