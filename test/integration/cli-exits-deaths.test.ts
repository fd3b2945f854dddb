import { expect, test } from "bun:test";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

test("exits shows the deaths the daemon recorded that exits.log lacks, with their class", () => {
  const { env } = sandbox({ IAPEER_PORT: "0" });
  const made = runSource(
    // A shell line: create leaves it to the shell, which finds no such program (status 127).
    [
      "create",
      "nob",
      "--runtime",
      "command",
      "--command",
      "sh -c 'exec nosuchbinary'",
      "--format",
      "text",
    ],
    env,
  );
  expect(made.code).toBe(0);
  // The program is missing: the boot fails, and the daemon records a boot-failed death.
  expect(runSource(["wake", "nob"], env).code).toBe(1);
  expect(runSource(["status", "nob"], env).stdout).toContain("boot-failed");

  const text = runSource(["exits", "nob"], env);
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/command-nob {2}boot-failed — .*status 127/);

  const json = JSON.parse(runSource(["exits", "--json"], env).stdout) as Record<string, unknown>[];
  const failed = json.find((e) => e.class === "boot-failed");
  expect(failed).toMatchObject({
    identity: "command-nob",
    personality: "nob",
    runtime: "command",
    cause: "boot-failed",
  });
  // The fields exits --json always had are still there, and every death says its class.
  for (const e of json) {
    expect(Object.keys(e)).toEqual(
      expect.arrayContaining(["ts", "identity", "personality", "runtime", "cause", "class"]),
    );
  }
  const times = json.map((e) => Date.parse(e.ts as string));
  expect(times).toEqual([...times].sort((a, b) => a - b));
});
