import { defineCommand } from "citty";
import { colorWanted } from "../core/config";
import { iapeerArgv } from "../core/self";
import { runChecks } from "../doctor/checks";
import { meshChecks } from "../doctor/mesh";
import { runCommand } from "../service/runner";
import { EXIT } from "./exit-codes";
import { requireConfig } from "./need-config";
import { printJson } from "./output";

const MARK = { ok: "✔", warn: "!", fail: "✖" } as const;
const COLOR = { ok: "\u001b[32m", warn: "\u001b[33m", fail: "\u001b[31m" } as const;

export default defineCommand({
  meta: { name: "doctor", description: "Is this host ready? What is wrong, and how to fix it" },
  args: { json: { type: "boolean", description: "Print JSON", default: false } },
  async run({ args }) {
    const config = requireConfig();
    const checks = [
      ...runChecks({ config, run: runCommand, iapeer: iapeerArgv() }),
      ...(await meshChecks(config)),
    ];
    const blocked = checks.some((c) => !c.ok);
    if (args.json) printJson(checks);
    else {
      const color = colorWanted(process.stdout.isTTY);
      for (const c of checks) {
        const mark = color ? `${COLOR[c.level]}${MARK[c.level]}\u001b[0m` : MARK[c.level];
        console.log(`${mark} ${c.check.padEnd(16)} ${c.detail}`);
        if (c.fix) console.log(`  ${" ".repeat(16)} fix: ${c.fix}`);
      }
      console.log(
        blocked
          ? "\nsomething blocks iapeer on this host (✖ above)"
          : "\nnothing blocks iapeer on this host",
      );
    }
    process.exitCode = blocked ? EXIT.failed : EXIT.ok;
  },
});
