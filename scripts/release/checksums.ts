import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** SHA256SUMS in the format `sha256sum -c` reads: `<hex>  <file>` per line. */
export function renderSums(sums: ReadonlyMap<string, string>): string {
  return [...sums].map(([file, hex]) => `${hex}  ${file}\n`).join("");
}

/** File name → hex digest, from a SHA256SUMS text. */
export function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (m?.[1] && m[2]) sums.set(m[2], m[1]);
  }
  return sums;
}
