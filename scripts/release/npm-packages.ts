import { chmodSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  launcherManifest,
  launcherReadme,
  launcherScript,
  platformManifest,
} from "./npm-manifests";
import { RELEASE_TARGETS, type ReleaseTarget, releaseFile } from "./targets";

export type Packed = { ok: true; tarballs: string[] } | { ok: false; error: string };

async function npmPack(
  dir: string,
  into: string,
): Promise<{ ok: true; file: string } | { ok: false; error: string }> {
  const proc = Bun.spawn(["npm", "pack", "--json", "--pack-destination", into], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0)
    return { ok: false, error: `npm pack in ${dir} failed (exit ${code}): ${err.trim()}` };
  const [packed] = JSON.parse(out) as { filename: string }[];
  return packed
    ? { ok: true, file: join(into, packed.filename) }
    : { ok: false, error: "npm pack said nothing" };
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * `<release>/npm/*.tgz`: the launcher (naming every target) and one package per binary built.
 * Each is staged in a folder of its own and packed with `npm pack`, as `npm publish` would.
 */
export async function packNpmPackages(
  release: string,
  version: string,
  built: readonly ReleaseTarget[],
): Promise<Packed> {
  const into = join(release, "npm");
  rmSync(into, { recursive: true, force: true });
  const stage = join(into, "stage");
  const stageTarget = (target: ReleaseTarget): string => {
    const dir = join(stage, target.name);
    mkdirSync(join(dir, "bin"), { recursive: true });
    copyFileSync(join(release, releaseFile(target)), join(dir, "bin", "iapeer"));
    chmodSync(join(dir, "bin", "iapeer"), 0o755);
    writeJson(join(dir, "package.json"), platformManifest(target, version));
    return dir;
  };
  const launcher = join(stage, "iapeer");
  mkdirSync(join(launcher, "bin"), { recursive: true });
  writeFileSync(join(launcher, "bin", "iapeer.js"), launcherScript(RELEASE_TARGETS), {
    mode: 0o755,
  });
  writeFileSync(join(launcher, "README.md"), launcherReadme(version));
  writeJson(join(launcher, "package.json"), launcherManifest(RELEASE_TARGETS, version));
  // Gzipping ~100 MB each: in parallel.
  const packed = await Promise.all(
    [...built.map(stageTarget), launcher].map((dir) => npmPack(dir, into)),
  );
  rmSync(stage, { recursive: true, force: true });
  const failed = packed.find((p) => !p.ok);
  if (failed && !failed.ok) return failed;
  return { ok: true, tarballs: packed.flatMap((p) => (p.ok ? [p.file] : [])) };
}
