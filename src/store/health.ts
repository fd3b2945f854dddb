import type { Database } from "bun:sqlite";
import { accessSync, closeSync, constants, openSync, readSync, statSync } from "node:fs";
import { basename, dirname } from "node:path";
import { isOpenHere } from "./open-here";

/**
 * What can be wrong with the file where the state database should be. `unreadable` is not
 * damage: the file may be fine, only this process cannot read or write it (permissions, a
 * read-only filesystem, an I/O error), so nothing may set it aside.
 */
type DamageKind = "empty" | "truncated" | "corrupt" | "unreadable";

export interface Damage {
  kind: DamageKind;
  path: string;
  /** In words, one line. */
  cause: string;
}

const MAGIC = "SQLite format 3\0";
const HEADER_BYTES = 100;

const ERRNO_WORDS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only filesystem",
  EISDIR: "it is a directory",
  EIO: "I/O error",
  ENOSPC: "no space left on the device",
  ENOTDIR: "a part of its path is not a directory",
  ELOOP: "too many symbolic links",
};

function unreadable(path: string, error: unknown): Damage {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const words = ERRNO_WORDS[code] ?? (error as Error).message;
  return { kind: "unreadable", path, cause: `${words}${code ? ` (${code})` : ""} on ${path}` };
}

const errnoOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/**
 * Look at the file without SQLite (which would take an empty file for a new database and make
 * it one): missing, present and worth opening, or damaged. The write-ahead log is looked at
 * before the file, so that a database another process is creating at this moment is never
 * taken for a lost one. A database this process already has open was looked at then, and is
 * not opened again: closing a descriptor of it would drop the open connection's locks.
 */
export function inspectDatabaseFile(path: string): "missing" | "present" | Damage {
  if (isOpenHere(path)) return "present";
  let journal = false;
  try {
    journal = statSync(`${path}-wal`).size > 0;
  } catch (error) {
    if (errnoOf(error) !== "ENOENT") return unreadable(`${path}-wal`, error);
  }
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile())
      return {
        kind: "unreadable",
        path,
        cause: `it is ${st.isDirectory() ? "a directory" : "not a regular file"}, not a database file`,
      };
    size = st.size;
  } catch (error) {
    if (errnoOf(error) !== "ENOENT") return unreadable(path, error);
    if (!journal) return "missing";
    return {
      kind: "corrupt",
      path,
      cause: `the file is gone but its write-ahead log ${basename(path)}-wal is still there`,
    };
  }
  // SQLite needs to write the file, its -wal and -shm, and to create them in the directory.
  // access(2), not open(2): another connection of this process may be opening them now.
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      accessSync(file, constants.R_OK | constants.W_OK);
    } catch (error) {
      if (file !== path && errnoOf(error) === "ENOENT") continue;
      return unreadable(file, error);
    }
  }
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch (error) {
    return unreadable(dirname(path), error);
  }
  if (size === 0) return { kind: "empty", path, cause: "0 bytes" };
  const header = Buffer.alloc(HEADER_BYTES);
  try {
    const fd = openSync(path, "r");
    try {
      readSync(fd, header, 0, HEADER_BYTES, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return unreadable(path, error);
  }
  if (size < HEADER_BYTES)
    return { kind: "truncated", path, cause: `${size} bytes, shorter than a database header` };
  if (header.toString("latin1", 0, MAGIC.length) !== MAGIC)
    return { kind: "corrupt", path, cause: "it is not an SQLite database" };
  const field = header.readUInt16BE(16);
  const pageSize = field === 1 ? 65536 : field;
  if (size < pageSize)
    return {
      kind: "truncated",
      path,
      cause: `${size} bytes, shorter than its first page (${pageSize} bytes)`,
    };
  return "present";
}

const CORRUPT_CODES = /^SQLITE_(CORRUPT|NOTADB)/;
const UNREADABLE_CODES = /^SQLITE_(CANTOPEN|READONLY|IOERR|PERM|AUTH|FULL)/;

/** An error SQLite raised, taken as damage of the database at `path` when it is one. */
export function damageFromError(path: string, error: unknown): Damage | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return undefined;
  const message = (error as Error).message;
  if (CORRUPT_CODES.test(code)) return { kind: "corrupt", path, cause: message };
  if (UNREADABLE_CODES.test(code)) {
    const words = /READONLY/.test(code) ? "read-only" : code === "SQLITE_FULL" ? "full" : "";
    return { kind: "unreadable", path, cause: words ? `${message} (${words})` : message };
  }
  return undefined;
}

/**
 * SQLite's own structural check (`PRAGMA quick_check`): every page of every table and index is
 * read. It costs about 2 ms per MB of database; the first problem found, or undefined.
 */
export function quickCheck(db: Database): string | undefined {
  const rows = db.query("PRAGMA quick_check(3)").all() as { quick_check: string }[];
  const text = rows.map((r) => r.quick_check).join("\n");
  if (text === "ok") return undefined;
  const first = text
    .split("\n")
    .map((line) => line.trim())
    .find((line) => line !== "" && !line.startsWith("***"));
  return `quick_check: ${first ?? text}`;
}

/** The cause in words, for a message that starts with the database's path. */
export function describeDamage(d: Damage): string {
  switch (d.kind) {
    case "empty":
      return `the state database ${d.path} is empty (${d.cause})`;
    case "truncated":
      return `the state database ${d.path} is cut short (${d.cause})`;
    case "corrupt":
      return `the state database ${d.path} is damaged (${d.cause})`;
    case "unreadable":
      return `cannot read or write the state database ${d.path} (${d.cause})`;
  }
}
