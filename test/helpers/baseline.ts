import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./cli";

/** What users upgrade from before the first release tag: the commit the install work starts from. */
const BEFORE_THE_FIRST_TAG = "807151a0d9b1a8de98c39aebae62a71a5c2e5c81";

function git(args: string[]): { code: number; out: string } {
  const res = Bun.spawnSync(["git", ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  return { code: res.exitCode ?? -1, out: res.stdout.toString().trim() };
}

function must(argv: string[], cwd: string): void {
  const res = Bun.spawnSync(argv, { cwd, stdout: "pipe", stderr: "pipe" });
  if (res.exitCode !== 0)
    throw new Error(`${argv.join(" ")} failed in ${cwd}: ${res.stdout}${res.stderr}`);
}

/** The last release: the newest tag reachable from HEAD, else the commit before any. */
export function baselineCommit(): string {
  const tag = git(["describe", "--tags", "--abbrev=0"]);
  const rev = tag.code === 0 && tag.out ? tag.out : BEFORE_THE_FIRST_TAG;
  const sha = git(["rev-parse", "--verify", `${rev}^{commit}`]);
  if (sha.code !== 0)
    throw new Error(
      `no commit ${rev} in this repository: a shallow clone lacks it (git fetch --unshallow --tags)`,
    );
  return sha.out;
}

/**
 * The compiled binary of the last release, built once from its source (`git archive`, its own
 * scripts/build.ts) and kept under ~/.cache/iapeer/baseline/<commit>/ for later runs.
 */
export function baselineBinary(): { commit: string; binary: string } {
  const commit = baselineCommit();
  const cache = join(
    process.env.XDG_CACHE_HOME || join(homedir(), ".cache"),
    "iapeer",
    "baseline",
    commit,
  );
  const binary = join(cache, "iapeer");
  if (existsSync(binary)) return { commit, binary };
  const src = mkdtempSync(join(tmpdir(), "iapeer-baseline-"));
  try {
    must(["git", "archive", `--output=${join(src, "tree.tar")}`, commit], ROOT);
    must(["tar", "-xf", "tree.tar"], src);
    // Its dependencies: this checkout's when the lockfile is the same, else its own.
    if (git(["diff", "--quiet", commit, "HEAD", "--", "package-lock.json"]).code === 0)
      symlinkSync(join(ROOT, "node_modules"), join(src, "node_modules"));
    else must(["npm", "ci", "--no-audit", "--no-fund"], src);
    must([process.execPath, join("scripts", "build.ts")], src);
    mkdirSync(cache, { recursive: true });
    // Whole or not at all: a run stopped mid-copy must not leave half a binary in the cache.
    copyFileSync(join(src, "dist", "iapeer"), `${binary}.partial`);
    renameSync(`${binary}.partial`, binary);
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
  return { commit, binary };
}
