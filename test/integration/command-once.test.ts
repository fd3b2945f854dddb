import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { createShellPeer } from "../helpers/shell-peer";
import { until } from "../helpers/until";

test("a bash peer runs a message that ends the shell once: never typed into the next session", async () => {
  const sb = sandbox({ IAPEER_PORT: "0" });
  const cwd = createShellPeer(sb, "sh");
  const count = join(cwd, "count.txt");
  const sent = runSource(["send", "sh", "-m", "echo ran >> count.txt; exit 0", "--json"], sb.env);
  // Enter was pressed and the shell ended: it may have run, so it is never typed again.
  expect([0, 11]).toContain(sent.code);
  await until(() => existsSync(count), "the command to run", 20_000);
  // Long enough for any retry into a fresh session (each wake takes well under a second).
  await Bun.sleep(4000);
  expect(readFileSync(count, "utf8")).toBe("ran\n");
  const wakes = runSource(["events", "--json"], sb.env)
    .stdout.split("\n")
    .filter((l) => l.includes('"ev":"wake"'));
  expect(wakes).toHaveLength(1);
  // The peer is not failed: a later message starts a new shell and runs once too.
  expect(runSource(["send", "sh", "-m", "echo again >> count.txt"], sb.env).code).toBe(0);
  await until(
    () => readFileSync(count, "utf8") === "ran\nagain\n",
    "the second command to run once",
    20_000,
  );
}, 90_000);
