#!/usr/bin/env bun
/**
 * Compile the single-file executable: `dist/iapeer` for this host, or with `--all` a release:
 * one binary per target (`iapeer-<os>-<arch>`), SHA256SUMS, and the npm packages in `npm/`.
 *
 * With every target it also writes the Homebrew formula `iapeer.rb`, downloading from
 * `--release-url` (the folder a release's files are uploaded to; default: the output folder).
 *
 *   bun scripts/build.ts [--all [--targets linux-x64,…] [--release-url URL]] [--out DIR]
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { VERSION } from "../src/core/version";
import { renderSums, sha256File } from "./release/checksums";
import { compile, gitCommit, ROOT } from "./release/compile";
import { settleDarwinSignature } from "./release/darwin-signature";
import { renderFormula } from "./release/homebrew-formula";
import { packNpmPackages } from "./release/npm-packages";
import { RELEASE_TARGETS, type ReleaseTarget, releaseFile } from "./release/targets";

function fail(message: string): never {
  process.stderr.write(`build: ${message}\n`);
  process.exit(1);
}

/** Every target's binary and their SHA256SUMS; the first target that cannot be built stops it. */
async function buildRelease(
  out: string,
  commit: string,
  targets: readonly ReleaseTarget[],
  releaseUrl: string,
): Promise<void> {
  const sums = new Map<string, string>();
  for (const target of targets) {
    const file = releaseFile(target);
    rmSync(join(out, file), { force: true });
    const built = await compile(join(out, file), commit, target);
    if (!built.ok) fail(built.error);
    const signed = settleDarwinSignature(join(out, file), target);
    if (!signed.ok) fail(signed.error);
    if (signed.note) console.log(signed.note);
    sums.set(file, sha256File(join(out, file)));
    console.log(`built ${join(out, file)}`);
  }
  writeFileSync(join(out, "SHA256SUMS"), renderSums(sums));
  console.log(`wrote ${join(out, "SHA256SUMS")}`);
  const packed = await packNpmPackages(out, VERSION, targets);
  if (!packed.ok) fail(packed.error);
  for (const tarball of packed.tarballs) console.log(`packed ${tarball}`);
  const formula = renderFormula({
    version: VERSION,
    releaseUrl,
    homepage: homepageOf(releaseUrl),
    sums,
  });
  if (!formula.ok) {
    // A formula left by an earlier build would name binaries this one did not make.
    rmSync(join(out, "iapeer.rb"), { force: true });
    console.log(`no Homebrew formula: ${formula.error}`);
  } else {
    writeFileSync(join(out, "iapeer.rb"), formula.text);
    console.log(`wrote ${join(out, "iapeer.rb")} (downloads from ${releaseUrl})`);
  }
}

/** A GitHub release's repository page, or the release folder itself. */
function homepageOf(releaseUrl: string): string {
  return /^(https:\/\/github\.com\/[^/]+\/[^/]+)\/releases\//.exec(releaseUrl)?.[1] ?? releaseUrl;
}

/** `--targets a,b` picks release targets by name; without it, all of them. */
function chosenTargets(names: string | undefined): readonly ReleaseTarget[] {
  if (names === undefined) return RELEASE_TARGETS;
  return names.split(",").map((name) => {
    const target = RELEASE_TARGETS.find((t) => t.name === name);
    if (!target)
      fail(
        `--targets: no target ${name} (known: ${RELEASE_TARGETS.map((t) => t.name).join(", ")})`,
      );
    return target;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      all: { type: "boolean", default: false },
      targets: { type: "string" },
      out: { type: "string" },
      "release-url": { type: "string" },
    },
  });
  const out = resolve(values.out ?? join(ROOT, "dist"));
  mkdirSync(out, { recursive: true });
  const commit = gitCommit();
  if (!values.all) {
    const file = join(out, "iapeer");
    const built = await compile(file, commit);
    if (!built.ok) fail(built.error);
    console.log(`built ${file} (iapeer ${VERSION})`);
    return;
  }
  // Until the release is uploaded, the formula installs from this folder (brew takes file://).
  const releaseUrl = values["release-url"] ?? pathToFileURL(out).href;
  await buildRelease(out, commit, chosenTargets(values.targets), releaseUrl);
}

if (import.meta.main) await main();
