import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { adhocSign } from "../../scripts/release/adhoc-sign";
import { parseSums, sha256File } from "../../scripts/release/checksums";
import { type ExecutableFormat, executableFormat } from "../../scripts/release/executable-format";
import {
  hostTarget,
  RELEASE_TARGETS,
  type ReleaseTarget,
  releaseFile,
} from "../../scripts/release/targets";
import { VERSION } from "../../src/core/version";
import { formulaDownloads } from "../helpers/formula-reader";
import { ruby } from "../helpers/needs";
import { releaseUnderTest } from "../helpers/release";
import { tempDir } from "../helpers/temp";

// Built once for this file (~20 s), or given by .ci/run.
const release = releaseUnderTest();
if (release.missing)
  console.log(
    `the release holds only ${release.built.join(", ")}; the other targets are not checked:\n${release.missing}`,
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
    // darwin-x64 output keeps the runtime's own signature, which build.ts replaces.
    (built ? test : test.skip)(
      `${releaseFile(target)}'s ad-hoc signature covers its bytes`,
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

describe("the signature reader and signer themselves", () => {
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

  // Bun signs darwin-arm64 itself, as Apple's linker does, and macOS runs it: the signer must
  // write that same CodeDirectory (only the padding after the signature differs, so page 0 too).
  const arm64 = RELEASE_TARGETS.find((t) => t.name === "darwin-arm64");
  (arm64 && release.built.includes(arm64.name) ? test : test.skip)(
    "re-signing Bun's darwin-arm64 output gives Bun's own CodeDirectory",
    () => {
      const bytes = readFileSync(join(release.dir, releaseFile(arm64 as ReleaseTarget)));
      const signed = adhocSign(bytes, "a.out");
      if (!signed.ok) throw new Error(signed.error);
      const directory = (b: Uint8Array) => {
        const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
        // LC_CODE_SIGNATURE's dataoff is the same in both: the signature is not moved.
        let at = 32;
        for (let i = 0; i < view.getUint32(16, true); i++) {
          if (view.getUint32(at, true) === 0x1d) return b.subarray(view.getUint32(at + 8, true));
          at += view.getUint32(at + 4, true);
        }
        throw new Error("no LC_CODE_SIGNATURE");
      };
      const theirs = directory(bytes);
      const ours = directory(signed.bytes);
      const length = new DataView(theirs.buffer, theirs.byteOffset).getUint32(4);
      const firstHash = 20 + 88 + "a.out\0".length;
      expect(Buffer.from(ours.subarray(0, firstHash))).toEqual(
        Buffer.from(theirs.subarray(0, firstHash)),
      );
      expect(Buffer.from(ours.subarray(firstHash + 32, length))).toEqual(
        Buffer.from(theirs.subarray(firstHash + 32, length)),
      );
      expect(executableFormat(signed.bytes).signature).toMatchObject({
        adhoc: true,
        mismatchedPages: 0,
      });
    },
    SLOW,
  );
});

describe("the npm packages", () => {
  const host = hostTarget();
  const hostBuilt = host !== undefined && release.built.includes(host.name);
  const tarball = (name: string) => join(release.dir, "npm", `${name}-${VERSION}.tgz`);
  const node = Bun.which("node");
  // Node and tmux, never Bun: what a user who runs `npm install -g iapeer` has.
  const userPath = (prefix: string) =>
    [join(prefix, "bin"), ...(node ? [dirname(node)] : []), "/usr/bin", "/bin"].join(":");
  const install = (prefix: string, tarballs: string[]) =>
    Bun.spawnSync(
      [
        "npm",
        "install",
        "-g",
        "--prefix",
        prefix,
        "--cache",
        join(prefix, ".npm"),
        "--offline",
      ].concat(["--no-audit", "--no-fund", ...tarballs]),
      { stdout: "pipe", stderr: "pipe" },
    );
  const run = (prefix: string, args: string[]) =>
    Bun.spawnSync([join(prefix, "bin", "iapeer"), ...args], {
      env: {
        HOME: prefix,
        PATH: userPath(prefix),
        IAPEER_HOME: join(prefix, "iapeer-home"),
        NO_COLOR: "1",
      },
      stdout: "pipe",
      stderr: "pipe",
    });

  test("the launcher depends on every platform's package at its own version", () => {
    const res = Bun.spawnSync(["tar", "-xzOf", tarball("iapeer"), "package/package.json"]);
    const manifest = JSON.parse(res.stdout.toString()) as Record<string, unknown>;
    expect(manifest.bin).toEqual({ iapeer: "bin/iapeer.js" });
    expect(manifest.optionalDependencies).toEqual(
      Object.fromEntries(RELEASE_TARGETS.map((t) => [`@iapeer/${t.name}`, VERSION])),
    );
  });

  (hostBuilt && node ? test : test.skip)(
    "installed globally from its two tarballs with Node alone, iapeer answers --version and passes selftest",
    () => {
      const prefix = tempDir("iapeer-npm-");
      const installed = install(prefix, [tarball("iapeer"), tarball(`iapeer-${host?.name}`)]);
      expect(installed.stderr.toString()).not.toContain("ERR!");
      expect(installed.exitCode).toBe(0);
      expect(Bun.which("bun", { PATH: userPath(prefix) })).toBeNull();
      const version = run(prefix, ["--version"]);
      expect(version.stdout.toString()).toMatch(
        new RegExp(`^iapeer ${VERSION.replaceAll(".", "\\.")} \\(`),
      );
      expect(version.exitCode).toBe(0);
      const selftest = run(prefix, ["selftest", "--json"]);
      expect(selftest.stderr.toString()).toBe("");
      expect(JSON.parse(selftest.stdout.toString()).ok).toBe(true);
      expect(selftest.exitCode).toBe(0);
    },
    SLOW * 3,
  );

  (node ? test : test.skip)(
    "without its platform's package the launcher says which one is missing",
    () => {
      const prefix = tempDir("iapeer-npm-");
      expect(install(prefix, [tarball("iapeer")]).exitCode).toBe(0);
      const res = run(prefix, ["--version"]);
      expect(res.stderr.toString()).toContain(
        `@iapeer/${process.platform}-${process.arch} is not installed`,
      );
      expect(res.exitCode).toBe(1);
    },
    SLOW,
  );
});

describe("the Homebrew formula", () => {
  const rubyPath = ruby();
  const formula = join(release.dir, "iapeer.rb");
  const complete = release.built.length === RELEASE_TARGETS.length;
  const runs = complete && rubyPath !== undefined;

  (runs ? test : test.skip)("ruby -c parses it", () => {
    const res = Bun.spawnSync([rubyPath ?? "ruby", "-c", formula]);
    expect(res.stdout.toString().trim()).toBe("Syntax OK");
    expect(res.exitCode).toBe(0);
  });

  (runs ? test : test.skip)(
    "each OS and CPU downloads its own binary, with SHA256SUMS's digest",
    () => {
      const sums = parseSums(readFileSync(join(release.dir, "SHA256SUMS"), "utf8"));
      const downloads = formulaDownloads(rubyPath ?? "ruby", formula);
      expect(downloads.map((d) => `${d.os}-${d.cpu}`).sort()).toEqual(
        RELEASE_TARGETS.map((t) => t.name).sort(),
      );
      for (const d of downloads) {
        const file = `iapeer-${d.os}-${d.cpu}`;
        expect(d.url.endsWith(`/${file}`)).toBe(true);
        expect(d.sha256).toBe(sums.get(file) ?? "missing");
      }
    },
  );
});
