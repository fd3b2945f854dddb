import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { renderLine } from "./terminal-line";

/** Reading pane logs: the raw bytes a session's terminal printed, appended by tmux. */

export function sizeOf(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/** When the log was last written to; undefined when there is none. */
export function writtenAt(path: string): Date | undefined {
  return existsSync(path) ? statSync(path).mtime : undefined;
}

/** The bytes from `offset` to the end (none when the log is shorter), and where that end is. */
export function bytesFrom(path: string, offset: number): { bytes: Uint8Array; end: number } {
  const size = sizeOf(path);
  if (size <= offset) return { bytes: new Uint8Array(0), end: size };
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(size - offset);
    const read = readSync(fd, buffer, 0, buffer.length, offset);
    return { bytes: buffer.subarray(0, read), end: offset + read };
  } finally {
    closeSync(fd);
  }
}

export function readFrom(path: string, offset: number): { text: string; end: number } {
  const { bytes, end } = bytesFrom(path, offset);
  return { text: Buffer.from(bytes).toString("utf8"), end };
}

/**
 * Only the last `lines` lines that `counts` (every line by default), read from the end so a
 * large log costs little. The text ends with what follows the last newline, if anything.
 */
export function tail(
  path: string,
  lines: number,
  counts: (line: string) => boolean = () => true,
): { text: string; end: number } {
  const size = sizeOf(path);
  let start = Math.max(0, size - 64 * 1024);
  for (;;) {
    const { text } = readFrom(path, start);
    const all = text.split("\n");
    const partial = all.pop() as string;
    // The first line of a chunk read from the middle may be cut: it is not counted.
    const whole = start === 0 ? all : all.slice(1);
    let kept = 0;
    let from = whole.length;
    while (from > 0 && kept < lines) {
      from--;
      if (counts(whole[from] as string)) kept++;
    }
    if (kept >= lines || start === 0)
      return { text: [...whole.slice(from), partial].join("\n"), end: size };
    start = Math.max(0, start - 256 * 1024);
  }
}

/** A line as plain text, as a terminal shows it: no colours, controls or trailing blanks. */
export function plainLine(line: string): string {
  return renderLine(line).trimEnd();
}
