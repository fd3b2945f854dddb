import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { openState, openStore, type Store } from "../../src/store/db";
import { migrate, schemaVersion } from "../../src/store/migrate";
import { MIGRATIONS, type Migration, SCHEMA_VERSION } from "../../src/store/schema";
import { tempDir } from "../helpers/temp";

function open(path: string, migrations?: readonly Migration[]): Store {
  const r = openStore(path, migrations);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function tables(db: Database): string[] {
  return (
    db
      .query(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
}

describe("opening the store", () => {
  test("a new file is created private, in WAL mode, at the latest schema", () => {
    const path = join(tempDir(), "state", "iapeer.db");
    const store = open(path);
    expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION);
    expect(tables(store.db)).toEqual([
      "agent_states",
      "deaths",
      "events",
      "messages",
      "meta",
      "peer_tokens",
      "peers",
      "sessions",
      "wake_locks",
    ]);
    expect(
      (store.db.query("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode,
    ).toBe("wal");
    expect((store.db.query("PRAGMA busy_timeout").get() as { timeout: number }).timeout).toBe(5000);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    store.close();
  });

  test("opening again changes nothing", () => {
    const path = join(tempDir(), "iapeer.db");
    open(path).close();
    const again = open(path);
    expect(schemaVersion(again.db)).toBe(SCHEMA_VERSION);
    again.close();
  });

  test("a file that is not a database is a clear error", async () => {
    const path = join(tempDir(), "iapeer.db");
    await Bun.write(path, "this is not sqlite ".repeat(100));
    const r = openStore(path);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("iapeer.db");
  });
});

describe("a file where the database was", () => {
  function made(): string {
    const path = join(tempDir(), "iapeer.db");
    const store = open(path);
    store.db.run("INSERT INTO meta (key, value) VALUES ('k', 'v')");
    store.close();
    return path;
  }

  test.each([
    ["empty", 0, "empty (0 bytes)"],
    ["truncated", 40, "cut short (40 bytes, shorter than a database header)"],
    ["truncated", 1000, "cut short (1000 bytes, shorter than its first page (4096 bytes))"],
  ] as const)("is %s at %i bytes: refused and left as it is", (kind, size, words) => {
    const path = made();
    truncateSync(path, size);
    const r = openState(path);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.damage?.kind).toBe(kind);
      expect(r.error).toContain(words);
    }
    expect(statSync(path).size).toBe(size);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  test("with garbage in its pages: opens, but the structural check refuses it", () => {
    const path = made();
    const db = new Database(path);
    const pages = (db.query("PRAGMA page_count").get() as { page_count: number }).page_count;
    db.close();
    const fd = openSync(path, "r+");
    const junk = Buffer.alloc(4096 * (pages - 1), 0x5a);
    writeSync(fd, junk, 0, junk.length, 4096);
    closeSync(fd);
    const checked = openState(path, { quickCheck: true });
    expect(!checked.ok && checked.damage?.kind).toBe("corrupt");
    if (!checked.ok) expect(checked.error).toContain("is damaged (");
  });

  test("a folder in its place is unreadable, not damaged", () => {
    const path = join(tempDir(), "iapeer.db");
    mkdirSync(path);
    const r = openState(path);
    expect(!r.ok && r.damage).toMatchObject({ kind: "unreadable" });
    if (!r.ok) expect(r.error).toContain("cannot read or write");
  });

  test("none at all is a new database; opening it again makes no other", () => {
    const path = join(tempDir(), "iapeer.db");
    const first = openState(path);
    expect(first.ok && first.created).toBe(true);
    const again = openState(path);
    expect(again.ok && again.created).toBe(false);
    for (const r of [first, again]) if (r.ok) r.store.close();
    expect(readdirSync(join(path, "..")).filter((f) => f.includes(".new-"))).toEqual([]);
  });
});

describe("migrations", () => {
  test.each(MIGRATIONS.map((m) => m.version - 1))("from schema v%i, keeping the data", (from) => {
    const path = join(tempDir(), "iapeer.db");
    const old = new Database(path);
    // As iapeer made them: WAL from the start, so even a v0 database is more than an empty file.
    old.run("PRAGMA journal_mode = WAL");
    migrate(
      old,
      MIGRATIONS.filter((m) => m.version <= from),
    );
    expect(schemaVersion(old)).toBe(from);
    if (from >= 1) {
      old.run(
        "INSERT INTO peers (personality, cwd, default_runtime, runtimes, intelligence, profile, updated_at) VALUES ('ana', '/p/ana', 'echo', '[\"echo\"]', 'absent', '{}', 'now')",
      );
    }
    old.close();
    const store = open(path);
    expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION);
    if (from >= 1) {
      expect(store.db.query("SELECT personality FROM peers").all()).toEqual([
        { personality: "ana" },
      ]);
    }
    store.close();
  });

  test("a database from a newer iapeer is refused, not touched", () => {
    const path = join(tempDir(), "iapeer.db");
    const db = new Database(path);
    db.run(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const r = openStore(path);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("newer than this iapeer knows");
  });

  test("a failing step rolls back whole and names itself", () => {
    const path = join(tempDir(), "iapeer.db");
    const steps: Migration[] = [
      { version: 1, description: "first", up: (db) => db.run("CREATE TABLE a (x INTEGER)") },
      {
        version: 2,
        description: "broken",
        up: (db) => {
          db.run("CREATE TABLE b (x INTEGER)");
          db.run("THIS IS NOT SQL");
        },
      },
    ];
    const r = openStore(path, steps);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("schema v2 (broken) failed");
    const db = new Database(path);
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).toEqual(["a"]);
    db.close();
  });

  test("reports what it applied", () => {
    const db = new Database(":memory:");
    const r = migrate(db);
    expect(r.ok && r.value).toEqual({
      from: 0,
      to: SCHEMA_VERSION,
      applied: MIGRATIONS.map((m) => m.version),
    });
    const again = migrate(db);
    expect(again.ok && again.value.applied).toEqual([]);
    db.close();
  });
});

describe("upgrading a database in use", () => {
  test("keys become per sender and recipient; every message and its order are kept", () => {
    const db = new Database(":memory:");
    const v2 = MIGRATIONS.filter((m) => m.version <= 2);
    expect(migrate(db, v2).ok).toBe(true);
    const insert = db.query(
      `INSERT INTO messages (id, client_key, sender, recipient, body, state, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'b', 'queued', 't', 't')`,
    );
    insert.run("m1", "job-1", "human", "ana");
    insert.run("m2", null, "w", "ana");
    expect(() => insert.run("m3", "job-1", "w", "ana")).toThrow(/UNIQUE/);
    expect(migrate(db).ok).toBe(true);
    insert.run("m3", "job-1", "w", "ana");
    insert.run("m4", "job-1", "human", "bo");
    expect(() => insert.run("m5", "job-1", "human", "ana")).toThrow(/UNIQUE/);
    insert.run("m6", null, "w", "ana");
    const rows = db.query("SELECT seq, id FROM messages ORDER BY seq").all();
    expect(rows).toEqual([
      { seq: 1, id: "m1" },
      { seq: 2, id: "m2" },
      { seq: 3, id: "m3" },
      { seq: 4, id: "m4" },
      { seq: 5, id: "m6" },
    ]);
    db.close();
  });
});

describe("several processes at once", () => {
  test("two writers on a fresh file lose nothing, however their first opens interleave", async () => {
    const writer = join(import.meta.dir, "..", "fixtures", "store-writer.ts");
    const count = 400;
    // Several fresh files: the first open (WAL switch, migrations) is where two processes collide.
    for (let round = 0; round < 6; round++) {
      const path = join(tempDir(), "state", "iapeer.db");
      const procs = ["a", "b"].map((tag) =>
        Bun.spawn([process.execPath, writer, path, tag, String(count)], { stderr: "pipe" }),
      );
      try {
        const codes = await Promise.all(procs.map((p) => p.exited));
        const errors = await Promise.all(procs.map((p) => new Response(p.stderr).text()));
        expect(errors).toEqual(["", ""]);
        expect(codes).toEqual([0, 0]);
      } finally {
        for (const p of procs) p.kill();
      }
      const store = open(path);
      const rows = store.db
        .query(
          "SELECT identity, COUNT(*) AS n, COUNT(DISTINCT fields) AS distinct_n FROM events GROUP BY identity ORDER BY identity",
        )
        .all();
      expect(rows).toEqual([
        { identity: "a", n: count, distinct_n: count },
        { identity: "b", n: count, distinct_n: count },
      ]);
      store.close();
    }
  });
});
