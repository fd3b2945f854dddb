import { readFileSync } from "node:fs";
import { executableFormat } from "./executable-format";
import type { ReleaseTarget } from "./targets";

export type Settled = { ok: true; note?: string } | { ok: false; error: string };

function run(argv: string[]): { code: number; said: string } {
  const res = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return { code: res.exitCode ?? -1, said: `${res.stdout}${res.stderr}`.trim() };
}

/**
 * A darwin binary must carry an ad-hoc signature of its final bytes: Apple silicon kills an arm64
 * one without it. Bun signs what it compiles, but its darwin-x64 signature stops short of the
 * appended bundle. On macOS, codesign re-signs and verifies every darwin binary; elsewhere the
 * signature is read from the file, an arm64 one that does not match fails the build and an x64
 * one is reported.
 */
export function settleDarwinSignature(file: string, target: ReleaseTarget): Settled {
  if (target.os !== "darwin") return { ok: true };
  if (process.platform === "darwin") {
    const signed = run(["codesign", "--force", "--sign", "-", file]);
    if (signed.code !== 0) return { ok: false, error: `codesign ${file}: ${signed.said}` };
    const verified = run(["codesign", "--verify", "--strict", file]);
    if (verified.code !== 0)
      return { ok: false, error: `codesign --verify ${file}: ${verified.said}` };
  }
  const { signature } = executableFormat(readFileSync(file));
  if (!signature) return { ok: false, error: `${file} carries no code signature` };
  if (signature.mismatchedPages === 0) return { ok: true };
  const problem = `${file}: its signature does not match ${signature.mismatchedPages} of its pages`;
  if (target.cpu === "arm64")
    return { ok: false, error: `${problem}; Apple silicon would kill it` };
  return { ok: true, note: `${problem}; build the release on macOS, where codesign re-signs it` };
}
