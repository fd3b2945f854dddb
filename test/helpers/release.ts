import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { hostTarget, RELEASE_TARGETS, releaseFile } from "../../scripts/release/targets";
import { ROOT } from "./cli";

export interface Release {
  dir: string;
  /** Targets whose binary this release holds. */
  built: string[];
  /** Why the others are missing (empty when every target was built). */
  missing: string;
}

function buildRelease(out: string, targets?: string): { ok: boolean; said: string } {
  const res = Bun.spawnSync(
    [
      process.execPath,
      join(ROOT, "scripts", "build.ts"),
      "--all",
      `--out=${out}`,
      ...(targets ? [`--targets=${targets}`] : []),
    ],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
  );
  return { ok: res.exitCode === 0, said: `${res.stdout}${res.stderr}`.trim() };
}

/**
 * The release under test: `$IAPEER_TEST_RELEASE_DIR` (.ci/run builds it with `build.ts --all`),
 * else built once for this test file into a temporary folder. Where another platform's Bun runtime
 * cannot be fetched, only this host's target is built and the reason is kept; under
 * IAPEER_REQUIRE_TOOLS=1 that fails instead.
 */
export function releaseUnderTest(): Release {
  const given = process.env.IAPEER_TEST_RELEASE_DIR;
  const present = (dir: string) =>
    RELEASE_TARGETS.filter((t) => existsSync(join(dir, releaseFile(t)))).map((t) => t.name);
  if (given) {
    const dir = resolve(given);
    const built = present(dir);
    const missing = built.length === RELEASE_TARGETS.length ? "" : `the others are not in ${dir}`;
    if (missing && process.env.IAPEER_REQUIRE_TOOLS === "1")
      throw new Error(`IAPEER_TEST_RELEASE_DIR holds only ${built.join(", ")}: ${missing}`);
    return { dir, built, missing };
  }
  const dir = mkdtempSync(join(tmpdir(), "iapeer-release-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const all = buildRelease(dir);
  if (all.ok) return { dir, built: present(dir), missing: "" };
  const host = hostTarget();
  if (process.env.IAPEER_REQUIRE_TOOLS === "1" || !host)
    throw new Error(`the release build failed:\n${all.said}`);
  const mine = buildRelease(dir, host.name);
  if (!mine.ok) throw new Error(`the release build failed even for ${host.name}:\n${mine.said}`);
  return { dir, built: [host.name], missing: all.said };
}
