import { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { fail, ok, type Result } from "../core/result";
import { BUSY_TIMEOUT_MS } from "../store/db";
import { damageFromError, describeDamage } from "../store/health";

/**
 * The registered peers' names, sorted, read straight from the state database and changing
 * nothing: no database made, no migration, no session looked at. Shell completion asks for them
 * on every Tab, so it must be quick and must not start anything.
 */
export function registeredNames(dbPath: string): Result<string[]> {
  if (!existsSync(dbPath)) return ok([]);
  let db: Database | undefined;
  try {
    db = new Database(dbPath, { readonly: true });
    db.run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const rows = db.query("SELECT personality FROM peers ORDER BY personality").all() as {
      personality: string;
    }[];
    return ok(rows.map((r) => r.personality));
  } catch (error) {
    const damage = damageFromError(dbPath, error);
    return fail(
      damage ? describeDamage(damage) : `cannot read ${dbPath}: ${(error as Error).message}`,
    );
  } finally {
    db?.close();
  }
}
