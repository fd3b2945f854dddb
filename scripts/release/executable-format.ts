import { createHash } from "node:crypto";

/**
 * What an executable's own headers say it is: its format and architecture, read from the ELF or
 * Mach-O header, and for Mach-O whether it carries a code signature that matches its bytes.
 * This is how a release built off macOS is checked without a Mac to run it on.
 */
export interface ExecutableFormat {
  format: "elf" | "mach-o" | "unknown";
  arch: "arm64" | "x64" | "other";
  /** ELF ET_EXEC/ET_DYN or Mach-O MH_EXECUTE. */
  executable: boolean;
  /** Mach-O only: its LC_CODE_SIGNATURE, when there is one. */
  signature?: CodeSignature;
}

export interface CodeSignature {
  /** The CodeDirectory's flags say ad-hoc (no identity; Apple silicon accepts it to run). */
  adhoc: boolean;
  /** Pages whose SHA-256 differs from the CodeDirectory's hash of it (0: the bytes match). */
  mismatchedPages: number;
  pages: number;
}

const ELF_MACHINE: Record<number, ExecutableFormat["arch"]> = { 62: "x64", 183: "arm64" };
const MACHO_CPU: Record<number, ExecutableFormat["arch"]> = {
  16777223: "x64",
  16777228: "arm64",
};
const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CS_ADHOC = 0x2;
const CS_HASHTYPE_SHA256 = 2;

export function executableFormat(bytes: Uint8Array): ExecutableFormat {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 64 && view.getUint32(0) === 0x7f454c46) {
    // 64-bit, little-endian; e_type at 16, e_machine at 18.
    const le = bytes[5] === 1;
    const type = view.getUint16(16, le);
    return {
      format: "elf",
      arch: ELF_MACHINE[view.getUint16(18, le)] ?? "other",
      executable: bytes[4] === 2 && (type === 2 || type === 3),
    };
  }
  if (bytes.length >= 32 && view.getUint32(0, true) === 0xfeedfacf) {
    const found: ExecutableFormat = {
      format: "mach-o",
      arch: MACHO_CPU[view.getUint32(4, true)] ?? "other",
      executable: view.getUint32(12, true) === 2,
    };
    const signature = codeSignature(bytes, view);
    return signature ? { ...found, signature } : found;
  }
  return { format: "unknown", arch: "other", executable: false };
}

/** Walk the load commands to LC_CODE_SIGNATURE, then check its CodeDirectory against the file. */
function codeSignature(bytes: Uint8Array, view: DataView): CodeSignature | undefined {
  const ncmds = view.getUint32(16, true);
  let at = 32;
  for (let i = 0; i < ncmds && at + 8 <= bytes.length; i++) {
    const cmd = view.getUint32(at, true);
    const size = view.getUint32(at + 4, true);
    if (cmd === LC_CODE_SIGNATURE) {
      const dataoff = view.getUint32(at + 8, true);
      return checkSignature(bytes, view, dataoff);
    }
    if (size === 0) break;
    at += size;
  }
  return undefined;
}

/** The signature's blobs are big-endian, unlike the Mach-O header. */
function checkSignature(bytes: Uint8Array, view: DataView, base: number): CodeSignature {
  const none = { adhoc: false, mismatchedPages: -1, pages: 0 };
  if (base + 12 > bytes.length || view.getUint32(base) !== CSMAGIC_EMBEDDED_SIGNATURE) return none;
  const count = view.getUint32(base + 8);
  for (let i = 0; i < count; i++) {
    const type = view.getUint32(base + 12 + i * 8);
    const cd = base + view.getUint32(base + 16 + i * 8);
    // The CodeDirectory (slot 0) or an alternate one (0x1000…): codesign may add a SHA-1 one.
    const directory = type === 0 || (type >= 0x1000 && type < 0x1005);
    if (!directory || view.getUint32(cd) !== CSMAGIC_CODEDIRECTORY) continue;
    const flags = view.getUint32(cd + 12);
    const hashOffset = view.getUint32(cd + 16);
    const nCodeSlots = view.getUint32(cd + 28);
    const codeLimit = view.getUint32(cd + 32);
    const hashSize = bytes[cd + 36] ?? 0;
    const hashType = bytes[cd + 37];
    const pageSize = 2 ** (bytes[cd + 39] ?? 12);
    if (hashType !== CS_HASHTYPE_SHA256) continue;
    let mismatchedPages = 0;
    for (let slot = 0; slot < nCodeSlots; slot++) {
      const page = bytes.subarray(slot * pageSize, Math.min((slot + 1) * pageSize, codeLimit));
      const want = bytes.subarray(
        cd + hashOffset + slot * hashSize,
        cd + hashOffset + (slot + 1) * hashSize,
      );
      const got = createHash("sha256").update(page).digest();
      if (!got.equals(want)) mismatchedPages++;
    }
    // Every byte before the signature must be covered, or an appended bundle would be unsigned.
    if (codeLimit < base) mismatchedPages++;
    return { adhoc: (flags & CS_ADHOC) !== 0, mismatchedPages, pages: nCodeSlots };
  }
  return none;
}
