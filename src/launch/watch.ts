import { classifyDeath, type Death, type SessionRecord } from "./death";
import { pidAlive } from "./pid";

/**
 * tmux can miss the SIGCHLD of a pane's process (a known race with libutempter's own handler):
 * the process stays a zombie, the pane never gets its exit status, and the pane-died hook never
 * runs. A SIGCHLD sent to the server makes it reap and run the hook; when nothing has exited it
 * costs one waitpid. Every watcher of a session nudges its server.
 */
export function nudgeReaper(serverPid: number): void {
  try {
    process.kill(serverPid, "SIGCHLD");
  } catch {
    // the server is gone: nothing to reap
  }
}

/** One server per session, and it exits with its last session: no server, no session. */
function sessionAlive(record: Pick<SessionRecord, "serverPid">): boolean {
  return pidAlive(record.serverPid);
}

interface AwaitEndOptions {
  exitsLog?: string;
  pollMs?: number;
  /** Give up after this long and return undefined (the session still lives). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Wait until the session is gone and say how it died. Costs no tmux process per look. */
export async function awaitSessionEnd(
  record: SessionRecord,
  opts: AwaitEndOptions = {},
): Promise<Death | undefined> {
  const pollMs = opts.pollMs ?? 250;
  const deadline =
    opts.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.timeoutMs;
  for (;;) {
    nudgeReaper(record.serverPid);
    if (!sessionAlive(record)) {
      return opts.exitsLog ? classifyDeath(record, opts.exitsLog) : { class: "unknown" };
    }
    if (opts.signal?.aborted || Date.now() >= deadline) return undefined;
    await Bun.sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
  }
}
