import { defineCommand } from "citty";
import { rebuildFromDisk } from "../daemon/open-home";
import { describeDamage } from "../store/health";
import { requireHostForVerify } from "./context";
import { EXIT } from "./exit-codes";
import { consola } from "./log";
import { printJson } from "./output";
import { jsonArg } from "./peer-arg";

export default defineCommand({
  meta: {
    name: "verify",
    description:
      "Check the registry against the peers' profiles; --fix rebuilds it from them (and replaces a damaged database)",
  },
  args: {
    fix: {
      type: "boolean",
      description:
        "Rebuild the registry from the profiles; a damaged database is set aside first, its undelivered messages kept",
      default: false,
    },
    json: jsonArg,
  },
  async run({ args }) {
    const { host, repair } = await requireHostForVerify(args.fix);
    const report = rebuildFromDisk(host, args.fix);
    const failed = report.broken > 0 || (!report.ok && !report.fixed);
    if (args.json) {
      // `ok` says how it ended, as the exit code does: a registry rebuilt cleanly is ok.
      printJson({
        ...report,
        ok: !failed,
        matched: report.ok,
        ...(repair && {
          database: {
            damage: repair.damage.kind,
            cause: repair.damage.cause,
            set_aside: repair.setAside,
            salvaged: repair.salvaged,
            ...(repair.salvageError && { salvage_error: repair.salvageError }),
          },
        }),
      });
    } else {
      if (repair) {
        consola.warn(`${describeDamage(repair.damage)}: set aside as ${repair.setAside}`);
        const partly = repair.salvageError
          ? ` (some could not be read: ${repair.salvageError})`
          : "";
        consola.info(
          `salvaged ${repair.salvaged} undelivered message${repair.salvaged === 1 ? "" : "s"} into the new database${partly}`,
        );
      }
      for (const p of report.problems)
        consola.warn(`${p.peer ?? "?"}: ${p.folder}: ${p.broken ? "broken: " : ""}${p.problem}`);
      if (report.ok) consola.success(`registry matches the profiles (${report.peers} peers)`);
      else if (report.fixed)
        consola.success(`rebuilt the registry from the profiles (${report.peers} peers)`);
      else if (report.problems.some((p) => !p.broken))
        consola.info("`iapeer verify --fix` rebuilds the registry from the profiles");
      if (report.broken > 0) {
        const names = report.problems
          .filter((p) => p.broken)
          .map((p) => p.peer ?? p.folder)
          .join(", ");
        process.stderr.write(
          `iapeer: ${report.broken} broken profile${report.broken === 1 ? "" : "s"} (${names}): kept as they were; fix the file${report.broken === 1 ? "" : "s"}, then run \`iapeer verify --fix\` again\n`,
        );
      }
    }
    if (failed) process.exitCode = EXIT.failed;
  },
});
