import { readFileSync, writeFileSync } from "node:fs";
import { adhocSign } from "./adhoc-sign";
import { executableFormat } from "./executable-format";
import type { ReleaseTarget } from "./targets";

export type Settled = { ok: true; note?: string } | { ok: false; error: string };

function run(argv: string[]): { code: number; said: string } {
  const res = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return { code: res.exitCode ?? -1, said: `${res.stdout}${res.stderr}`.trim() };
}

/**
 * A darwin binary must carry an ad-hoc signature of its final bytes: Apple silicon kills an arm64
 * one without it, and a signature that does not match is worse than none. Bun signs its
 * darwin-arm64 output, but its darwin-x64 output keeps the runtime's own signature, which the
 * appended program breaks. One whose signature does not match is signed ad hoc here; on macOS
 * codesign then signs and verifies every darwin binary. Either way the signature is read back
 * from the file and its page hashes checked.
 */
export function settleDarwinSignature(file: string, target: ReleaseTarget): Settled {
  if (target.os !== "darwin") return { ok: true };
  let note: string | undefined;
  const bytes = readFileSync(file);
  if (executableFormat(bytes).signature?.mismatchedPages !== 0) {
    const signed = adhocSign(bytes, "iapeer");
    if (!signed.ok) return { ok: false, error: `${file}: ${signed.error}` };
    writeFileSync(file, signed.bytes);
    note = `${file}: Bun's signature did not match its bytes; signed it ad hoc`;
  }
  // On macOS, Apple's own tool signs and verifies it (over a signature it can always parse).
  if (process.platform === "darwin") {
    const signed = run(["codesign", "--force", "--sign", "-", file]);
    if (signed.code !== 0) return { ok: false, error: `codesign ${file}: ${signed.said}` };
    const verified = run(["codesign", "--verify", "--strict", file]);
    if (verified.code !== 0)
      return { ok: false, error: `codesign --verify ${file}: ${verified.said}` };
  }
  const { signature } = executableFormat(readFileSync(file));
  if (!signature) return { ok: false, error: `${file} carries no code signature` };
  if (signature.mismatchedPages !== 0 || !signature.adhoc)
    return {
      ok: false,
      error: `${file}: its signature does not match ${signature.mismatchedPages} of its pages`,
    };
  return note ? { ok: true, note } : { ok: true };
}
