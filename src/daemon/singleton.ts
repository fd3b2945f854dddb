import { processToken, sameProcess } from "../launch/pid";
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
    // `<pid>:<start token>`: a later process that reuses the pid is not the daemon.
    const [pidText, token] = (row?.value ?? "").split(":");
    const pid = Number(pidText);
    if (pid && pid !== process.pid && sameProcess(pid, token || undefined)) return pid;
    store.db
      .query("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
      .run(KEY, `${process.pid}:${processToken(process.pid) ?? ""}`);
    return undefined;
  });
}

export function releaseDaemon(store: Store): void {
  store.db.query("DELETE FROM meta WHERE key = ? AND value LIKE ?").run(KEY, `${process.pid}:%`);
}
