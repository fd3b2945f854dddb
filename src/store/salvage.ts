import { Database } from "bun:sqlite";
import { copyFileSync, existsSync, renameSync, rmSync, statSync } from "node:fs";
import { fail, ok, type Result } from "../core/result";
import type { Store } from "./db";

/** The suffixes of SQLite's own files beside a database. */
const COMPANIONS = ["-wal", "-shm"] as const;

/**
 * Move a damaged database and its -wal and -shm aside as `<path>.corrupt-<time>`, kept for a
 * post-mortem; a new one can then be made at the path.
 */
export function setAside(path: string, now: Date = new Date()): Result<string> {
  const stamp = now.toISOString().replace(/[:.]/g, "");
  let aside = `${path}.corrupt-${stamp}`;
  for (let n = 2; existsSync(aside); n++) aside = `${path}.corrupt-${stamp}-${n}`;
  try {
    if (existsSync(path)) renameSync(path, aside);
    for (const suffix of COMPANIONS)
      if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
    return ok(aside);
  } catch (error) {
    return fail(`cannot set ${path} aside: ${(error as Error).message}`);
  }
}

/**
 * Messages not yet delivered: the part of a lost database nothing else can rebuild (for another
 * host: not yet taken by the mesh, or taken and waiting for the receipt of their outcome).
 */
const UNDELIVERED = "state IN ('queued', 'delivering', 'forwarding', 'forwarded')";
/** Rows looked for one by one when the table cannot be read whole. */
const MAX_PROBES = 1_000_000;

interface Salvage {
  /** Messages copied into the new database. */
  salvaged: number;
  /** Why some or all could not be read, when that happened. */
  error?: string;
}

function columnsOf(db: Database): string[] {
  return (db.query("PRAGMA table_info(messages)").all() as { name: string }[]).map((c) => c.name);
}

/** Every seq that might hold a message: from the index of states, and up to the highest seq. */
function candidateSeqs(db: Database): number[] {
  const seqs = new Set<number>();
  const tries = [
    () => {
      for (const r of db
        .query(`SELECT seq FROM messages INDEXED BY messages_recipient_state WHERE ${UNDELIVERED}`)
        .all() as { seq: number }[])
        seqs.add(r.seq);
    },
    () => {
      const top = Math.max(
        ...[
          "SELECT seq AS n FROM sqlite_sequence WHERE name = 'messages'",
          "SELECT max(seq) AS n FROM messages",
        ].map((sql) => {
          try {
            return Number((db.query(sql).get() as { n: number | null } | null)?.n ?? 0);
          } catch {
            return 0;
          }
        }),
      );
      for (let seq = Math.max(1, top - MAX_PROBES + 1); seq <= top; seq++) seqs.add(seq);
    },
  ];
  for (const attempt of tries) {
    try {
      attempt();
    } catch {
      // that way is damaged too
    }
  }
  return [...seqs].sort((a, b) => a - b);
}

type Row = Record<string, string | number | null>;

/** What SQLite can still read of the undelivered messages: the whole table, or row by row. */
function readUndelivered(db: Database, columns: string[]): { rows: Row[]; error?: string } {
  const list = columns.join(", ");
  try {
    return {
      rows: db
        .query(`SELECT ${list} FROM messages WHERE ${UNDELIVERED} ORDER BY seq`)
        .all() as Row[],
    };
  } catch (error) {
    const rows: Row[] = [];
    const one = db.query(`SELECT ${list} FROM messages WHERE seq = ? AND ${UNDELIVERED}`);
    for (const seq of candidateSeqs(db)) {
      try {
        const row = one.get(seq) as Row | null;
        if (row) rows.push(row);
      } catch {
        // this row's page is damaged
      }
    }
    return { rows, error: (error as Error).message };
  }
}

/**
 * Copy the messages not yet delivered (queued, delivering, forwarding, forwarded) from a database set aside into the
 * new one, as they were: ids, bodies, senders, keys, states, times. It reads a scratch copy,
 * so the set-aside files stay exactly as they were found.
 */
export function salvageQueue(aside: string, into: Store): Salvage {
  const scratch = `${aside}.salvage`;
  let db: Database | undefined;
  try {
    // An empty file holds nothing; SQLite would even delete the -wal beside it.
    if (!existsSync(aside) || statSync(aside).size === 0) return { salvaged: 0 };
    copyFileSync(aside, scratch);
    if (existsSync(`${aside}-wal`)) copyFileSync(`${aside}-wal`, `${scratch}-wal`);
    db = new Database(scratch, { readwrite: true, create: false, strict: true });
    const wanted = new Set(columnsOf(into.db));
    const columns = columnsOf(db).filter((c) => wanted.has(c));
    if (!columns.includes("id") || !columns.includes("body"))
      return { salvaged: 0, error: "its messages table cannot be read" };
    const { rows, error } = readUndelivered(db, columns);
    const insert = into.db.query(
      `INSERT OR IGNORE INTO messages (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
    );
    let salvaged = 0;
    into.write(() => {
      for (const row of rows) {
        try {
          salvaged += insert.run(...columns.map((c) => row[c] ?? null)).changes;
        } catch {
          // a row that came back damaged (a NULL where there must be text) is left out
        }
      }
    });
    return { salvaged, ...(error && { error }) };
  } catch (error) {
    return { salvaged: 0, error: (error as Error).message };
  } finally {
    db?.close();
    for (const suffix of ["", ...COMPANIONS]) rmSync(scratch + suffix, { force: true });
  }
}
