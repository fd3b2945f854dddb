import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { createShellPeer } from "../helpers/shell-peer";
import { until } from "../helpers/until";

const stateOf = (env: Record<string, string>): string =>
  (JSON.parse(runSource(["list", "--json"], env).stdout) as { state: string }[])[0]?.state ?? "";

test("a command peer running a job is not put to sleep as idle; once back at its prompt it is", async () => {
  const sb = sandbox({ IAPEER_IDLE_SECS: "4", IAPEER_TICK_SECS: "1" });
  const dir = createShellPeer(sb, "job");
  // The job is silent for 10 s, more than twice the idle time.
  const sent = runSource(["send", "job", "-m", "sleep 10; echo done >> done.txt"], sb.env);
  expect(sent.code).toBe(0);
  await until(() => existsSync(join(dir, "done.txt")), "the job to finish", 25_000);
  expect(readFileSync(join(dir, "done.txt"), "utf8")).toBe("done\n");
  // The test can fail: an idle shell at its prompt is still put to sleep.
  await until(() => stateOf(sb.env) === "asleep", "the idle shell to sleep", 25_000);
}, 60_000);
