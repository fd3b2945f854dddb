import { pidAlive } from "../launch/pid";
import type { Store } from "../store/db";

const KEY = "daemon_pid";

/**
 * One daemon per home: the claim is a row in the state database, taken in a write transaction,
 * so two daemons starting at once cannot both win. A claim by a dead process is taken over.
 * Returns the pid of the running daemon when the claim fails.
 */
export function claimDaemon(store: Store): number | undefined {
  return store.write(() => {
    const row = store.db.query("SELECT value FROM meta WHERE key = ?").get(KEY) as {
      value: string;
    } | null;
    const pid = row ? Number(row.value) : 0;
    if (pid && pid !== process.pid && pidAlive(pid)) return pid;
    store.db
      .query("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
      .run(KEY, String(process.pid));
    return undefined;
  });
}

export function releaseDaemon(store: Store): void {
  store.db.query("DELETE FROM meta WHERE key = ? AND value = ?").run(KEY, String(process.pid));
}
