import { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, linkSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { ensurePrivateDir, FILE_MODE } from "../core/fs";
import { fail, ok, type Result } from "../core/result";
import {
  type Damage,
  damageFromError,
  describeDamage,
  inspectDatabaseFile,
  quickCheck,
} from "./health";
import { migrate } from "./migrate";
import { markClosed, markOpen } from "./open-here";
import type { Migration } from "./schema";

export interface Store {
  readonly db: Database;
  readonly path: string;
  /** Run `fn` in an IMMEDIATE transaction: writers queue on the lock instead of failing later. */
  write<T>(fn: () => T): T;
  close(): void;
}

/** How long a writer waits for another process's lock before giving up. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Switching a database to WAL needs an exclusive lock, and SQLite does not wait for it with
 * the busy handler: when two processes open one at once, one is told "locked" at once. Retry it
 * for as long as a writer would wait.
 */
function enableWal(db: Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    try {
      db.run("PRAGMA journal_mode = WAL");
      return;
    } catch (error) {
      if (!/locked|busy/i.test((error as Error).message) || Date.now() > deadline) throw error;
      Bun.sleepSync(pause);
    }
  }
}

/**
 * Make a new database where there is none: built under a private name (WAL header written, so
 * never an empty file) and linked into place, which fails if another process got there first.
 * So an empty file at the path always means a lost database, never one being created.
 */
function createDatabase(path: string): Result<boolean> {
  const temp = `${path}.new-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    // SQLite gives the -wal and -shm files the database file's mode, so create it private.
    closeSync(openSync(temp, "wx", FILE_MODE));
    const db = new Database(temp, { readwrite: true, create: false });
    try {
      db.run("PRAGMA journal_mode = WAL");
    } finally {
      db.close();
    }
    try {
      linkSync(temp, path);
      return ok(true);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return ok(false);
      // A filesystem without hard links: a rename, unless another process got there first.
      if (existsSync(path)) return ok(false);
      renameSync(temp, path);
      return ok(true);
    }
  } catch (error) {
    return fail(`cannot create the state database ${path}: ${(error as Error).message}`);
  } finally {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(temp + suffix, { force: true });
  }
}

interface OpenOptions {
  migrations?: readonly Migration[];
  /** Run SQLite's structural check (about 2 ms per MB): for commands that change state. */
  quickCheck?: boolean;
}

export type Opened =
  | { ok: true; store: Store; created: boolean }
  | { ok: false; error: string; damage?: Damage };

const damaged = (damage: Damage): Opened => ({
  ok: false,
  error: describeDamage(damage),
  damage,
});

/**
 * Open the state database, creating it only where there is none. A file that is empty, cut
 * short, not a database, fails the structural check, or cannot be read or written is refused
 * and left exactly as it is, with what is wrong in `damage`. WAL lets the daemon, CLI commands
 * and hooks read while one writes; the busy timeout makes concurrent writers wait their turn.
 */
export function openState(path: string, opts: OpenOptions = {}): Opened {
  const dir = ensurePrivateDir(dirname(path));
  if (!dir.ok) return dir;
  const found = inspectDatabaseFile(path);
  if (typeof found === "object") return damaged(found);
  let created = false;
  if (found === "missing") {
    const made = createDatabase(path);
    if (!made.ok) return made;
    created = made.value;
  }
  let db: Database | undefined;
  try {
    db = new Database(path, { readwrite: true, create: false, strict: true });
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    enableWal(db);
    db.run("PRAGMA synchronous = NORMAL");
    db.run("PRAGMA foreign_keys = ON");
    const problem = opts.quickCheck ? quickCheck(db) : undefined;
    if (problem) {
      db.close();
      return damaged({ kind: "corrupt", path, cause: problem });
    }
  } catch (error) {
    db?.close();
    const damage = damageFromError(path, error);
    if (damage) return damaged(damage);
    return {
      ok: false,
      error: `cannot open the state database ${path}: ${(error as Error).message}`,
    };
  }
  let migrated: ReturnType<typeof migrate>;
  try {
    migrated = migrate(db, opts.migrations);
  } catch (error) {
    db.close();
    const damage = damageFromError(path, error);
    if (damage) return damaged(damage);
    throw error;
  }
  if (!migrated.ok) {
    db.close();
    return migrated;
  }
  const opened = db;
  markOpen(path);
  let closed = false;
  return {
    ok: true,
    created,
    store: {
      db: opened,
      path,
      write: <T>(fn: () => T): T => opened.transaction(fn).immediate(),
      close: () => {
        if (closed) return;
        closed = true;
        opened.close();
        markClosed(path);
      },
    },
  };
}

/** Open (creating if there is none) the state database; see openState. */
export function openStore(path: string, migrations?: readonly Migration[]): Result<Store> {
  const opened = openState(path, migrations ? { migrations } : {});
  return opened.ok ? ok(opened.store) : fail(opened.error);
}
