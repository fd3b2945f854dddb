import { createHash } from "node:crypto";

/**
 * Ad-hoc sign a Mach-O executable the way Apple's linker does (a CodeDirectory alone, flagged
 * `adhoc | linker-signed`, SHA-256 of each 4 KiB page up to the signature), replacing whatever
 * signature it carries. Bun's darwin-x64 output keeps the runtime's original signature, whose
 * hashes no longer match once the program is appended; this makes one that does, without macOS.
 */
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CS_ADHOC = 0x2;
const CS_LINKER_SIGNED = 0x20000;
const CS_EXECSEG_MAIN_BINARY = 0x1;
const CD_VERSION = 0x20400;
const CD_HEADER = 88;
const PAGE = 4096;
const HASH = 32;
/** __LINKEDIT's vmsize is rounded to Apple silicon's page, which is also a multiple of Intel's. */
const VM_PAGE = 0x4000;

export type Signed = { ok: true; bytes: Uint8Array } | { ok: false; error: string };

interface Commands {
  signature: number;
  linkedit: number;
  text: { fileoff: bigint; filesize: bigint };
}

function findCommands(view: DataView): Commands | string {
  if (view.getUint32(0, true) !== 0xfeedfacf) return "not a 64-bit Mach-O file";
  const ncmds = view.getUint32(16, true);
  let at = 32;
  let signature = -1;
  let linkedit = -1;
  let text: Commands["text"] | undefined;
  for (let i = 0; i < ncmds; i++) {
    const cmd = view.getUint32(at, true);
    if (cmd === LC_CODE_SIGNATURE) signature = at;
    if (cmd === LC_SEGMENT_64) {
      const name = new TextDecoder().decode(
        new Uint8Array(view.buffer, view.byteOffset + at + 8, 16),
      );
      if (name.startsWith("__LINKEDIT\0")) linkedit = at;
      if (name.startsWith("__TEXT\0"))
        text = {
          fileoff: view.getBigUint64(at + 40, true),
          filesize: view.getBigUint64(at + 48, true),
        };
    }
    at += view.getUint32(at + 4, true);
  }
  if (signature < 0) return "no LC_CODE_SIGNATURE to replace";
  if (linkedit < 0 || !text) return "no __LINKEDIT or __TEXT segment";
  return { signature, linkedit, text };
}

export function adhocSign(input: Uint8Array, identifier: string): Signed {
  const found = findCommands(new DataView(input.buffer, input.byteOffset, input.byteLength));
  if (typeof found === "string") return { ok: false, error: found };
  const header = new DataView(input.buffer, input.byteOffset, input.byteLength);
  // The signature stays where it is, at the end of __LINKEDIT; only its size changes.
  const dataoff = header.getUint32(found.signature + 8, true);
  const linkeditOff = header.getBigUint64(found.linkedit + 40, true);
  const ident = new TextEncoder().encode(`${identifier}\0`);
  const slots = Math.ceil(dataoff / PAGE);
  const cdLength = CD_HEADER + ident.length + slots * HASH;
  const sigLength = 12 + 8 + cdLength;
  const datasize = Math.ceil(sigLength / 16) * 16;

  const out = new Uint8Array(dataoff + datasize);
  out.set(input.subarray(0, dataoff));
  const view = new DataView(out.buffer);
  view.setUint32(found.signature + 12, datasize, true);
  const linkeditSize = BigInt(dataoff + datasize) - linkeditOff;
  view.setBigUint64(found.linkedit + 48, linkeditSize, true);
  const vmsize = ((linkeditSize + BigInt(VM_PAGE - 1)) / BigInt(VM_PAGE)) * BigInt(VM_PAGE);
  if (vmsize > view.getBigUint64(found.linkedit + 32, true))
    view.setBigUint64(found.linkedit + 32, vmsize, true);

  // SuperBlob and CodeDirectory are big-endian.
  let at = dataoff;
  view.setUint32(at, CSMAGIC_EMBEDDED_SIGNATURE);
  view.setUint32(at + 4, sigLength);
  view.setUint32(at + 8, 1);
  view.setUint32(at + 12, 0); // slot 0: the CodeDirectory
  view.setUint32(at + 16, 20);
  at += 20;
  view.setUint32(at, CSMAGIC_CODEDIRECTORY);
  view.setUint32(at + 4, cdLength);
  view.setUint32(at + 8, CD_VERSION);
  view.setUint32(at + 12, CS_ADHOC | CS_LINKER_SIGNED);
  view.setUint32(at + 16, CD_HEADER + ident.length); // hashOffset
  view.setUint32(at + 20, CD_HEADER); // identOffset
  view.setUint32(at + 24, 0); // nSpecialSlots
  view.setUint32(at + 28, slots);
  view.setUint32(at + 32, dataoff); // codeLimit
  out[at + 36] = HASH;
  out[at + 37] = 2; // SHA-256
  out[at + 38] = 0; // platform
  out[at + 39] = 12; // log2(page size)
  // spare2, scatterOffset, teamOffset, spare3, codeLimit64: zero.
  view.setBigUint64(at + 64, found.text.fileoff); // execSegBase
  view.setBigUint64(at + 72, found.text.filesize); // execSegLimit
  view.setBigUint64(at + 80, BigInt(CS_EXECSEG_MAIN_BINARY));
  out.set(ident, at + CD_HEADER);
  // The pages are hashed after the load commands above were changed: they are part of page 0.
  const hashes = at + CD_HEADER + ident.length;
  for (let slot = 0; slot < slots; slot++) {
    const page = out.subarray(slot * PAGE, Math.min((slot + 1) * PAGE, dataoff));
    out.set(createHash("sha256").update(page).digest(), hashes + slot * HASH);
  }
  return { ok: true, bytes: out };
}
