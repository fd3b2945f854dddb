import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { openState } from "../../src/store/db";
import { inspectDatabaseFile } from "../../src/store/health";
import { tempDir } from "../helpers/temp";

/**
 * SQLite keeps its locks as POSIX advisory locks, and on Linux closing any descriptor of a file
 * drops every lock the process holds on it. Another process then takes the database for
 * unused and checkpoints or truncates the write-ahead log under a reader: damage, false
 * "damaged" reports, SIGBUS on the shared memory. A second look at the files while a
 * connection is open must not close a descriptor of them.
 */

/** In another process: try to fold and truncate the write-ahead log; true when a reader held it. */
function checkpointBlocked(path: string): boolean {
  const script = `
    import { Database } from "bun:sqlite";
    const db = new Database(${JSON.stringify(path)});
    db.run("PRAGMA busy_timeout = 0");
    const row = db.query("PRAGMA wal_checkpoint(TRUNCATE)").get();
    process.stdout.write(JSON.stringify(row));
  `;
  const res = Bun.spawnSync([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
  if (res.exitCode !== 0) throw new Error(res.stderr.toString());
  return (JSON.parse(res.stdout.toString()) as { busy: number }).busy === 1;
}

describe("the state database's locks", () => {
  test("a reader's lock holds while the same process opens the database again", () => {
    const path = join(tempDir(), "state", "iapeer.db");
    const first = openState(path);
    if (!first.ok) throw new Error(first.error);
    const db = first.store.db;
    db.run("CREATE TABLE t (x INTEGER)");
    for (let i = 0; i < 50; i++) db.run("INSERT INTO t VALUES (?)", [i]);
    // An open read transaction pins its snapshot of the write-ahead log.
    db.run("BEGIN");
    expect(db.query("SELECT count(*) AS n FROM t").get()).toEqual({ n: 50 });
    expect(checkpointBlocked(path)).toBe(true);

    // What `stop all` and other commands did: a second open in the same process.
    const second = openState(path);
    if (!second.ok) throw new Error(second.error);
    expect(inspectDatabaseFile(path)).toBe("present");

    expect(checkpointBlocked(path)).toBe(true);
    db.run("COMMIT");
    second.store.close();
    first.store.close();
  });
});
