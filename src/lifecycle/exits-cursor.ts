import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { Store } from "../store/db";
import { parseExitLine, type SessionExit } from "../tmux/exits";

const KEY = "exits_offset";

/**
 * New exits.log lines since the last look, and nothing else: the offset is kept in the state
 * database, and a file that shrank (rotated or truncated) is read again from its start.
 * A half-written last line waits for the next look.
 */
export function readNewExits(store: Store, path: string): SessionExit[] {
  const row = store.db.query("SELECT value FROM meta WHERE key = ?").get(KEY) as {
    value: string;
  } | null;
  let offset = row ? Number(row.value) : 0;
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    if (size < offset) offset = 0;
    if (size === offset) return [];
    const buffer = Buffer.alloc(size - offset);
    readSync(fd, buffer, 0, buffer.length, offset);
    const text = buffer.toString("utf8");
    const complete = text.lastIndexOf("\n") + 1;
    const exits = text
      .slice(0, complete)
      .split("\n")
      .map((line) => (line ? parseExitLine(line) : undefined))
      .filter((e): e is SessionExit => e !== undefined);
    store.db
      .query("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
      .run(KEY, String(offset + Buffer.byteLength(text.slice(0, complete))));
    return exits;
  } finally {
    closeSync(fd);
  }
}

/** After exits.log was rotated away, the next look starts at the new file's beginning. */
export function resetExitsCursor(store: Store): void {
  store.db.query("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '0')").run(KEY);
}
