import { Database } from "bun:sqlite";
import { closeSync, existsSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { ensurePrivateDir, FILE_MODE } from "../core/fs";
import { fail, ok, type Result } from "../core/result";
import { migrate } from "./migrate";
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
 * Switching a new database to WAL needs an exclusive lock, and SQLite does not wait for it with
 * the busy handler: when two processes open a fresh database at once, one is told "locked" at
 * once. Retry it for as long as a writer would wait.
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
 * Open (creating if needed) the state database. WAL lets the daemon, CLI commands and hooks read
 * while one writes; the busy timeout makes concurrent writers wait their turn.
 */
export function openStore(path: string, migrations?: readonly Migration[]): Result<Store> {
  const dir = ensurePrivateDir(dirname(path));
  if (!dir.ok) return dir;
  let db: Database | undefined;
  try {
    // SQLite gives the -wal and -shm files the database file's mode, so create it private.
    if (!existsSync(path)) closeSync(openSync(path, "a", FILE_MODE));
    db = new Database(path, { create: true, strict: true });
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    enableWal(db);
    db.run("PRAGMA synchronous = NORMAL");
    db.run("PRAGMA foreign_keys = ON");
  } catch (error) {
    db?.close();
    return fail(`cannot open the state database ${path}: ${(error as Error).message}`);
  }
  const migrated = migrate(db, migrations);
  if (!migrated.ok) {
    db.close();
    return migrated;
  }
  const opened = db;
  return ok({
    db: opened,
    path,
    write: <T>(fn: () => T): T => opened.transaction(fn).immediate(),
    close: () => opened.close(),
  });
}
