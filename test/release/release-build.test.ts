import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/cli";
import { tempDir } from "../helpers/temp";

test("a target whose Bun runtime cannot be fetched stops the build, naming it and where it comes from", () => {
  const out = tempDir("iapeer-release-");
  // An empty cache, and every download refused.
  const refused = "http://127.0.0.1:9";
  const res = Bun.spawnSync(
    [
      process.execPath,
      join(ROOT, "scripts", "build.ts"),
      "--all",
      "--targets=darwin-arm64",
      `--out=${out}`,
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        BUN_INSTALL_CACHE_DIR: tempDir("iapeer-bun-cache-"),
        HTTPS_PROXY: refused,
        https_proxy: refused,
        HTTP_PROXY: refused,
        http_proxy: refused,
      },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  const said = res.stderr.toString();
  expect(said).toStartWith("build: bun build failed for bun-darwin-arm64");
  expect(said).toContain("@oven/bun-darwin-aarch64");
  expect(res.exitCode).toBe(1);
  expect(existsSync(join(out, "SHA256SUMS"))).toBe(false);
}, 60_000);

test("an unknown target is refused with the known ones", () => {
  const res = Bun.spawnSync(
    [
      process.execPath,
      join(ROOT, "scripts", "build.ts"),
      "--all",
      "--targets=windows-x64",
      `--out=${tempDir()}`,
    ],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
  );
  expect(res.stderr.toString()).toBe(
    "build: --targets: no target windows-x64 (known: darwin-arm64, darwin-x64, linux-arm64, linux-x64)\n",
  );
  expect(res.exitCode).toBe(1);
});
