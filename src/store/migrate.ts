import type { Database } from "bun:sqlite";
import { fail, ok, type Result } from "../core/result";
import { MIGRATIONS, type Migration } from "./schema";

export function schemaVersion(db: Database): number {
  const row = db.query("PRAGMA user_version").get() as { user_version: number } | null;
  return row?.user_version ?? 0;
}

interface MigrationReport {
  from: number;
  to: number;
  applied: number[];
}

/**
 * Bring the schema forward. Each step runs in its own IMMEDIATE transaction that re-reads the
 * version first, so several processes opening a fresh database at once apply each step once.
 * A failed step rolls back whole and leaves the version where it was.
 */
export function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Result<MigrationReport> {
  const latest = migrations.at(-1)?.version ?? 0;
  const from = schemaVersion(db);
  if (from > latest) {
    return fail(
      `the database is at schema v${from}, newer than this iapeer knows (v${latest}); upgrade iapeer`,
    );
  }
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    try {
      const ran = db
        .transaction(() => {
          if (schemaVersion(db) >= migration.version) return false;
          migration.up(db);
          db.run(`PRAGMA user_version = ${Math.trunc(migration.version)}`);
          return true;
        })
        .immediate();
      if (ran) applied.push(migration.version);
    } catch (error) {
      return fail(
        `migrating the database to schema v${migration.version} (${migration.description}) failed: ${(error as Error).message}`,
      );
    }
  }
  return ok({ from, to: schemaVersion(db), applied });
}
