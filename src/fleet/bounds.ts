/**
 * A fleet file is checked before Bun's TOML parser sees it: the parser's time grows faster than
 * the number of keys and tables (0.5 s for 20,000 keys, 12 s for 100,000), so a hostile or
 * mistaken file is refused on its size and its count of keys first, in milliseconds.
 */

/** A fleet of a few hundred peers is a few dozen KiB. */
export const MAX_FLEET_BYTES = 1024 * 1024;
/** Keys and table headers together; the parser takes about 0.1 s for this many. */
const MAX_FLEET_KEYS = 5000;

/** The 1-based line of a byte offset. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** The offset of the first byte that is not well-formed UTF-8, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte: how many continuation bytes follow, and the lowest second byte allowed (no
    // overlong forms, no surrogates, nothing past U+10FFFF).
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c === undefined || c < min || c > max) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** Every `=` (a key's value, inline tables included) and every line opening a table. */
function countKeys(text: string): number {
  let count = 0;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d) count++;
    if (lineStart && c === 0x5b) count++;
    if (c === 0x0a) lineStart = true;
    else if (c !== 0x20 && c !== 0x09) lineStart = false;
  }
  return count;
}

/** A fleet file's bytes as text, or why it is refused: `{ line?, reason }`. */
export function boundedText(
  bytes: Uint8Array,
  size = bytes.length,
): { ok: true; text: string } | { ok: false; line?: number; reason: string } {
  if (size > MAX_FLEET_BYTES)
    return { ok: false, reason: `it is ${size} bytes, the limit is ${MAX_FLEET_BYTES} (1 MiB)` };
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0)
    return {
      ok: false,
      line: lineAt(bytes, bad),
      reason: `not valid UTF-8 (byte 0x${(bytes[bad] as number).toString(16)})`,
    };
  const text = new TextDecoder().decode(bytes);
  const keys = countKeys(text);
  if (keys > MAX_FLEET_KEYS)
    return {
      ok: false,
      reason: `it has ${keys} keys and tables, the limit is ${MAX_FLEET_KEYS}`,
    };
  return { ok: true, text };
}
