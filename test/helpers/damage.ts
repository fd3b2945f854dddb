import { Database } from "bun:sqlite";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { CliResult } from "./cli";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");

/** Fold the WAL into the file, so that damage done to the file is all there is. */
export function checkpoint(path: string): void {
  const db = new Database(path);
  db.run("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
}

/**
 * Overwrite every page of the named tables (and their indexes) with garbage, leaving the
 * header and the schema page intact: SQLite opens the file and fails on the first read of them.
 */
export function corruptTables(path: string, tables: string[]): number[] {
  checkpoint(path);
  const db = new Database(path);
  const pageSize = (db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
  const marks = tables.map(() => "?").join(", ");
  const pages = (
    db
      .query(
        `SELECT pageno FROM dbstat WHERE name IN (${marks}) OR name IN (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN (${marks}))`,
      )
      .all(...tables, ...tables) as { pageno: number }[]
  ).map((r) => r.pageno);
  db.close();
  overwritePages(path, pageSize, pages);
  return pages;
}

/** The leaf page that holds the row with this text, found by its bytes in the file. */
export function pageHolding(path: string, text: string): number {
  checkpoint(path);
  const db = new Database(path);
  const pageSize = (db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
  db.close();
  const at = readFileSync(path).indexOf(text);
  if (at < 0) throw new Error(`${text} is not in ${path}`);
  return Math.floor(at / pageSize) + 1;
}

export function overwritePages(path: string, pageSize: number, pages: number[]): void {
  const fd = openSync(path, "r+");
  const junk = Buffer.alloc(pageSize, 0x5a);
  for (const page of pages) writeSync(fd, junk, 0, pageSize, (page - 1) * pageSize);
  closeSync(fd);
}

/** An error printed the contract's way: one line, `iapeer: …`, no internal error, no stack. */
export function oneLineError(r: CliResult): string {
  const lines = r.stderr.trimEnd().split("\n");
  if (lines.length !== 1 || !lines[0]?.startsWith("iapeer: ") || /internal error/.test(r.stderr))
    throw new Error(`not a one-line error:\n${r.stderr}`);
  return lines[0];
}

/**
 * Run the CLI with `dir` mounted read-only (EROFS), as root through a private mount namespace;
 * as another user, `unshare -rm` maps it to root in a user namespace of its own.
 */
export function runReadOnly(dir: string, args: string[], env: Record<string, string>): CliResult {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith("IAPEER_")) base[k] = v;
  const script = `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"`;
  const flags = process.getuid?.() === 0 ? ["-m"] : ["-rm"];
  const res = Bun.spawnSync(
    ["unshare", ...flags, "sh", "-c", script, "sh", dir, process.execPath, MAIN, ...args],
    { env: { ...base, NO_COLOR: "1", ...env }, stdout: "pipe", stderr: "pipe" },
  );
  return { code: res.exitCode ?? -1, stdout: res.stdout.toString(), stderr: res.stderr.toString() };
}
