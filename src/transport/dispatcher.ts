import { makeIdentity } from "../core/names";
import type { Host } from "../lifecycle/context";
import { getSession } from "../lifecycle/sessions";
import { isLive } from "../lifecycle/wake";
import { getPeer } from "../registry/registry";
import { deliverNext } from "./dispatch";
import { getMessage, recipientsWithWork } from "./messages";
import type { TypeInOptions } from "./type-in";

/**
 * One delivery worker per recipient: its queue is drained in order, one message at a time,
 * while different recipients are served in parallel.
 */
export class Dispatcher {
  private readonly workers = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    private readonly host: Host,
    private readonly typing?: TypeInOptions,
  ) {}

  /**
   * Make sure the recipient's queue is being worked on. With `until`, the worker stops once that
   * message is done (a CLI process delivering its own message does not drain others' queues).
   */
  kick(recipient: string, until?: string): Promise<void> {
    const running = this.workers.get(recipient);
    if (running) return running;
    const worker = this.drain(recipient, until)
      .catch((error) => {
        // A throw here (the database busy past its timeout, say) must not end the daemon.
        this.host.events.write("delivery-error", { peer: recipient, error: String(error) });
      })
      .finally(() => this.workers.delete(recipient));
    this.workers.set(recipient, worker);
    return worker;
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

  /** Wait until a message has its final outcome, or the timeout passes. */
  async settle(id: string, recipient: string, timeoutMs: number, until?: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = getMessage(this.host.store, id);
      if (!m || (m.state !== "queued" && m.state !== "delivering")) return;
      if (!this.workers.has(recipient) && m.state === "queued") {
        // The worker stopped with this message still queued (blocked): try once more soon.
        await Bun.sleep(250);
        if (Date.now() < deadline) void this.kick(recipient, until);
        continue;
      }
      await Bun.sleep(25);
    }
  }

  /** Stop taking new work and wait for the messages being typed right now. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.workers.values()]);
  }

  private async drain(recipient: string, until?: string): Promise<void> {
    while (!this.stopping) {
      const step = await deliverNext(this.host, recipient, this.typing);
      if (step !== "delivered-one") return;
      if (until !== undefined) {
        const m = getMessage(this.host.store, until);
        if (!m || (m.state !== "queued" && m.state !== "delivering")) return;
      }
    }
  }
}
