import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSums, sha256File } from "../scripts/release/checksums";
import { type ExecutableFormat, executableFormat } from "../scripts/release/executable-format";
import { RELEASE_TARGETS, releaseFile } from "../scripts/release/targets";
import { releaseUnderTest } from "./helpers/release";

// Built once for this file (~20 s), or given by .ci/run.
const release = releaseUnderTest();
if (release.missing)
  console.log(
    `only ${release.built.join(", ")} could be built here; the other targets are not checked:\n${release.missing}`,
  );

// Each binary is ~100 MB: read and parse it once.
const formats = new Map<string, ExecutableFormat>();
function formatOf(file: string): ExecutableFormat {
  const known = formats.get(file) ?? executableFormat(readFileSync(file));
  formats.set(file, known);
  return known;
}
// Hashing 400 MB on a busy machine takes seconds.
const SLOW = 60_000;

describe("release binaries", () => {
  for (const target of RELEASE_TARGETS) {
    const built = release.built.includes(target.name);
    const file = join(release.dir, releaseFile(target));
    (built ? test : test.skip)(
      `${releaseFile(target)} is a ${target.os} ${target.cpu} executable`,
      () => {
        const found = formatOf(file);
        expect(found.format).toBe(target.os === "darwin" ? "mach-o" : "elf");
        expect(found.arch).toBe(target.cpu);
        expect(found.executable).toBe(true);
      },
      SLOW,
    );
    if (target.os !== "darwin") continue;
    (built ? test : test.skip)(
      `${releaseFile(target)} carries an LC_CODE_SIGNATURE`,
      () => {
        const { signature } = formatOf(file);
        expect(signature).toBeDefined();
        expect(signature?.pages).toBeGreaterThan(1000);
      },
      SLOW,
    );
    // Apple silicon kills an arm64 binary whose signature does not match its bytes. Bun's
    // cross-compiled darwin-x64 signature stops short of the bundle (a Bun bug): off macOS it is
    // expected to fail, and build.ts re-signs with codesign when it runs on macOS.
    const matches = target.cpu === "arm64" || process.platform === "darwin";
    (built ? (matches ? test : test.failing) : test.skip)(
      `${releaseFile(target)}'s ad-hoc signature covers its bytes${matches ? "" : " (not off macOS: Bun bug)"}`,
      () => {
        const { signature } = formatOf(file);
        expect(signature?.adhoc).toBe(true);
        expect(signature?.mismatchedPages).toBe(0);
      },
      SLOW,
    );
  }

  test(
    "SHA256SUMS names every built binary with its digest",
    () => {
      const sums = parseSums(readFileSync(join(release.dir, "SHA256SUMS"), "utf8"));
      expect([...sums.keys()].sort()).toEqual(release.built.map((name) => `iapeer-${name}`).sort());
      for (const [file, hex] of sums) expect(sha256File(join(release.dir, file))).toBe(hex);
    },
    SLOW,
  );

  test(
    "sha256sum -c (shasum on macOS) accepts SHA256SUMS as written",
    () => {
      const check = Bun.which("sha256sum") ? ["sha256sum", "-c"] : ["shasum", "-a", "256", "-c"];
      const res = Bun.spawnSync([...check, "SHA256SUMS"], { cwd: release.dir });
      expect(res.stderr.toString()).toBe("");
      expect(res.stdout.toString().match(/: OK$/gm)?.length).toBe(release.built.length);
      expect(res.exitCode).toBe(0);
    },
    SLOW,
  );
});

describe("the header reader itself", () => {
  test(
    "refuses what is not an executable, and sees a changed byte under a signature",
    () => {
      expect(executableFormat(new TextEncoder().encode("#!/bin/sh\necho hi\n")).format).toBe(
        "unknown",
      );
      const darwin = RELEASE_TARGETS.find(
        (t) => release.built.includes(t.name) && t.os === "darwin",
      );
      if (!darwin) return;
      const bytes = readFileSync(join(release.dir, releaseFile(darwin)));
      bytes[100_000] = (bytes[100_000] ?? 0) ^ 0xff;
      expect(executableFormat(bytes).signature?.mismatchedPages).toBe(1);
    },
    SLOW,
  );
});
