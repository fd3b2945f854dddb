import { defineCommand } from "citty";
import { iapeerArgv } from "../core/self";
import { selftest } from "../selftest/selftest";
import { EXIT } from "./exit-codes";
import { requireConfig } from "./need-config";
import { printJson } from "./output";

export default defineCommand({
  meta: {
    name: "selftest",
    description: "End-to-end proof in a throwaway home: daemon, echo peers, delivery, death, sleep",
  },
  args: { json: { type: "boolean", description: "Print JSON", default: false } },
  async run({ args }) {
    const report = await selftest(iapeerArgv(), requireConfig().env, (s) => {
      if (!args.json) console.log(`${s.ok ? "✔" : "✖"} ${s.step} (${s.ms} ms): ${s.detail}`);
    });
    if (args.json) printJson(report);
    else
      console.log(
        report.ok
          ? `selftest passed in ${(report.ms / 1000).toFixed(1)}s`
          : `selftest FAILED at: ${report.steps.find((s) => !s.ok)?.step ?? "?"}`,
      );
    process.exitCode = report.ok ? EXIT.ok : EXIT.failed;
  },
});
