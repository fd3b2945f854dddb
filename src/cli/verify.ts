import { defineCommand } from "citty";
import { verifyRegistry } from "../registry/verify";
import { requireHost } from "./context";
import { EXIT } from "./exit-codes";
import { consola } from "./log";
import { printJson } from "./output";
import { jsonArg } from "./peer-arg";

export default defineCommand({
  meta: {
    name: "verify",
    description: "Check the registry against the peers' profiles; --fix rebuilds it from them",
  },
  args: {
    fix: { type: "boolean", description: "Rebuild the registry from the profiles", default: false },
    json: jsonArg,
  },
  run({ args }) {
    const report = verifyRegistry(requireHost({ rebuildCorruptDb: args.fix }), args.fix);
    if (args.json) printJson(report);
    else if (report.ok) consola.success(`registry matches the profiles (${report.peers} peers)`);
    else {
      for (const p of report.problems) consola.warn(`${p.peer ?? "?"}: ${p.folder}: ${p.problem}`);
      if (report.fixed)
        consola.success(`rebuilt the registry from the profiles (${report.peers} peers)`);
      else consola.info("`iapeer verify --fix` rebuilds the registry from the profiles");
    }
    if (!report.ok && !report.fixed) process.exitCode = EXIT.failed;
  },
});
