import { expect, test } from "bun:test";
import { runSource } from "../helpers/cli";
import { tempDir } from "../helpers/temp";

test("selftest passes end to end and cleans up after itself", () => {
  const r = runSource(["selftest", "--json"], {});
  const report = JSON.parse(r.stdout) as {
    ok: boolean;
    ms: number;
    home: string;
    steps: { step: string; ok: boolean }[];
  };
  expect(report.steps.filter((s) => !s.ok)).toEqual([]);
  expect(report.ok).toBe(true);
  expect(r.code).toBe(0);
  expect(report.steps).toHaveLength(8);
  expect(Bun.spawnSync(["test", "-e", report.home]).exitCode).toBe(1);
});

test("selftest fails with exit 1 and names the failing step when tmux is missing", () => {
  const r = runSource(["selftest"], { PATH: tempDir() });
  expect(r.code).toBe(1);
  expect(r.stdout).toContain("✖ tmux is installed");
  expect(r.stdout).toContain("selftest FAILED at: tmux is installed");
});
