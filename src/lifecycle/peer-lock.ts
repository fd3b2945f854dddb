import { randomUUID } from "node:crypto";
import type { Host } from "../home/host";
import { processToken, sameProcess } from "../launch/pid";

/** In this process: callers for one identity queue here first. */
const local = new Map<string, Promise<unknown>>();

type Locked<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Run `fn` holding the lock of one identity: one wake at a time, across processes (a CLI
 * and the daemon may race). The lock is a row in the state database naming its owner's pid; a
 * row left by a dead process is taken over.
 */
export async function withPeerLock<T>(
  host: Host,
  identity: string,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<Locked<T>> {
  const before = local.get(identity) ?? Promise.resolve();
  let release: () => void = () => {};
  const mine = new Promise<void>((r) => {
    release = r;
  });
  const chained = before.then(() => mine);
  local.set(identity, chained);
  await before;
  try {
    const owner = `${process.pid}:${randomUUID()}`;
    const deadline = Date.now() + timeoutMs;
    let holder: number | undefined;
    for (;;) {
      holder = tryAcquire(host, identity, owner);
      if (holder === undefined) break;
      if (Date.now() >= deadline) {
        return {
          ok: false,
          error: `another wake of ${identity} (pid ${holder}) is still running; try again shortly`,
        };
      }
      await Bun.sleep(100);
    }
    try {
      return { ok: true, value: await fn() };
    } finally {
      host.store.db
        .query("DELETE FROM wake_locks WHERE identity = ? AND owner = ?")
        .run(identity, owner);
    }
  } finally {
    release();
    if (local.get(identity) === chained) local.delete(identity);
  }
}

/** Take the lock, or say which live pid holds it. */
function tryAcquire(host: Host, identity: string, owner: string): number | undefined {
  return host.store.write(() => {
    const row = host.store.db
      .query("SELECT pid, pid_token FROM wake_locks WHERE identity = ?")
      .get(identity) as { pid: number; pid_token: string | null } | null;
    // Calls in this process are already queued above, so a row with our own pid is a leftover;
    // the start token tells a live holder from a later process that reuses its pid.
    if (row && row.pid !== process.pid && sameProcess(row.pid, row.pid_token ?? undefined))
      return row.pid;
    host.store.db
      .query(
        "INSERT OR REPLACE INTO wake_locks (identity, owner, pid, pid_token, acquired_at) VALUES (?, ?, ?, ?, ?)",
      )
      .run(
        identity,
        owner,
        process.pid,
        processToken(process.pid) ?? null,
        new Date().toISOString(),
      );
    return undefined;
  });
}
