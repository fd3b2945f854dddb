import { makeIdentity } from "../core/names";
import type { Host } from "../home/host";
import { getSession } from "../lifecycle/sessions";
import { isLive } from "../lifecycle/wake";
import { getPeer } from "../registry/registry";
import { deliverNext } from "./dispatch";
import { getMessage, recipientsWithWork } from "./messages";
import type { TypeInOptions } from "./type-in";

/** A failed worker's first retry, and the longest wait between retries. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 15_000;
/** How soon a held message's reason is looked at again. */
const HOLD_RECHECK_MS = 1000;

/**
 * One delivery worker per recipient: its queue is drained in order, one message at a time,
 * while different recipients are served in parallel.
 */
export class Dispatcher {
  private readonly workers = new Map<string, Promise<void>>();
  /** Workers that ended on an error, in a row, per recipient: how long until the next try. */
  private readonly failures = new Map<string, number>();
  private stopping = false;
  private readonly stepListeners: (() => void)[] = [];

  constructor(
    private readonly host: Host,
    private readonly typing?: TypeInOptions,
  ) {}

  /** Make sure the recipient's queue is being worked on. */
  kick(recipient: string): Promise<void> {
    const running = this.workers.get(recipient);
    if (running) return running;
    const worker = this.drain(recipient)
      .then(() => {
        this.failures.delete(recipient);
      })
      .catch((error) => {
        // A throw here (the database busy past its timeout, the disk full) must not end the
        // daemon, nor leave the queue until the next tick: the worker comes back, less often
        // while the failure lasts.
        const failures = (this.failures.get(recipient) ?? 0) + 1;
        this.failures.set(recipient, failures);
        const retryMs = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (failures - 1));
        try {
          this.host.events.write("delivery-error", {
            peer: recipient,
            error: String(error),
            retry_ms: retryMs,
          });
        } catch {
          // the journal is on the same full disk
        }
        if (!this.stopping) {
          const timer = setTimeout(() => void this.kick(recipient), retryMs);
          timer.unref?.();
        }
      })
      .finally(() => this.workers.delete(recipient));
    this.workers.set(recipient, worker);
    return worker;
  }

  /** Told after each delivery step (a message finished, or went back to the queue). */
  afterEachStep(listener: () => void): void {
    this.stepListeners.push(listener);
  }

  /** Kick every recipient that has messages waiting (at start-up, on each tick). */
  kickAll(): void {
    for (const recipient of recipientsWithWork(this.host.store)) void this.kick(recipient);
  }

  /**
   * Kick the recipients whose queue waits for a session that their service manager holds
   * (always-on) and that is up now: their messages go as soon as it is, not at the next tick.
   */
  kickRisen(): void {
    for (const recipient of recipientsWithWork(this.host.store)) {
      if (this.workers.has(recipient)) continue;
      const peer = getPeer(this.host.store, recipient);
      if (!peer || peer.stopped || peer.profile.wake !== "always-on") continue;
      const id = makeIdentity(peer.profile.defaultRuntime, recipient);
      if (id.ok && isLive(getSession(this.host.store, id.value.identity)))
        void this.kick(recipient);
    }
  }

  /**
   * Wait until a message has its final outcome, or the timeout passes. Woken by each delivery
   * step rather than by reading the database in a loop.
   */
  async settle(id: string, recipient: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = getMessage(this.host.store, id);
      if (!m || (m.state !== "queued" && m.state !== "delivering")) return;
      // It waits for something only a person or time changes: the sender hears why now.
      if (m.state === "queued" && m.held) return;
      if (!this.workers.has(recipient) && m.state === "queued") {
        // The worker stopped with this message still queued (blocked): try once more soon.
        await Bun.sleep(250);
        if (Date.now() < deadline) void this.kick(recipient);
        continue;
      }
      await this.nextStep(Math.min(1000, deadline - Date.now()));
    }
  }

  private readonly stepWaiters = new Set<() => void>();

  /** Resolves after the next delivery step of any worker, or after `ms`. */
  private nextStep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stepWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.stepWaiters.add(done);
    });
  }

  /** Stop taking new work and wait for the messages being typed right now. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.workers.values()]);
  }

  private async drain(recipient: string): Promise<void> {
    while (!this.stopping) {
      const step = await deliverNext(this.host, recipient, this.typing);
      for (const listener of this.stepListeners) listener();
      for (const waiter of [...this.stepWaiters]) waiter();
      // A message that went back untyped (its session died under it) goes again soon: its
      // attempts are bounded, and the next wake brings a new session.
      if (step === "retry") await Bun.sleep(RETRY_FIRST_MS);
      else if (step === "held") {
        // What holds it (a dialog, a draft, a turn) is looked at again shortly; an agent's
        // signal kicks the worker at once.
        if (!this.stopping) setTimeout(() => void this.kick(recipient), HOLD_RECHECK_MS).unref?.();
        return;
      } else if (step !== "delivered-one") return;
    }
  }
}
