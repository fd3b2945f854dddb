import type { NatsConnection } from "@nats-io/transport-node";
import type { MeshConfig } from "../core/mesh-config";
import { fail, type Result } from "../core/result";
import { connectMesh } from "./connect";
import { Directory } from "./directory";
import type { Running } from "./durable";
import { type InboundMessage, openInbox } from "./inbox";
import { type PublishAck, publishMessage } from "./publish";
import { openReceipts, publishReceipt, type Receipt } from "./receipts";
import { ensureStream, type StreamSettings } from "./stream";
import { decodeWire, encodeWire, type WireMessage } from "./wire";

type LinkState = "connecting" | "up" | "down" | "stopped";

export interface LinkHandlers {
  /**
   * A message for a peer of this host: store it under its id (a repeat is a no-op), then
   * resolve. Until it resolves it is not acknowledged; a throw has it handed over again.
   */
  onMessage(message: WireMessage): Promise<void>;
  /** A receipt for a message this host sent: record it (a repeat is a no-op). */
  onReceipt(receipt: Receipt): Promise<void>;
  /** What happened, for the daemon's log: `mesh-up`, `mesh-down`, `mesh-error`, … */
  onEvent?(event: string, fields: Record<string, string | number>): void;
}

interface LinkSettings {
  stream?: StreamSettings;
  ackWaitMs?: number;
  /** Wait between two tries to set the link up (no server, a refused login, no JetStream). */
  retryMs?: number;
  now?: () => Date;
}

/**
 * A daemon's link to the mesh. It connects in the background and keeps trying, so the daemon
 * starts and delivers locally whatever NATS does; it takes this host's messages and receipts
 * while up; a publish while it is not up fails at once, so the message stays queued locally and
 * goes when `onUp` says the link is back.
 */
export class MeshLink {
  private nc: NatsConnection | undefined;
  private consumers: Running[] = [];
  private current: LinkState = "connecting";
  private dir: Directory | undefined;
  private readonly upListeners: (() => void)[] = [];
  private readonly running: Promise<void>;
  private wake: (() => void) | undefined;

  private constructor(
    private readonly mesh: MeshConfig,
    readonly host: string,
    private readonly handlers: LinkHandlers,
    private readonly settings: LinkSettings,
  ) {
    this.running = this.run();
  }

  static start(
    mesh: MeshConfig,
    host: string,
    handlers: LinkHandlers,
    settings: LinkSettings = {},
  ): MeshLink {
    return new MeshLink(mesh, host, handlers, settings);
  }

  state(): LinkState {
    return this.current;
  }

  /** The directory of peers, once the link has been up. */
  directory(): Directory | undefined {
    return this.dir;
  }

  /** Called each time the link comes up (again): the moment to send what waited. */
  onUp(listener: () => void): void {
    this.upListeners.push(listener);
  }

  async publish(message: WireMessage): Promise<Result<PublishAck>> {
    const nc = this.upConnection();
    if (!nc.ok) return nc;
    const wire = encodeWire(message);
    if (!wire.ok) return wire;
    if (message.from.host !== this.host) return fail(`a message from ${this.host} must say so`);
    return publishMessage(nc.value, this.host, message.to, message.id, wire.value);
  }

  async receipt(origin: string, receipt: Receipt): Promise<Result<PublishAck>> {
    const nc = this.upConnection();
    if (!nc.ok) return nc;
    return publishReceipt(nc.value, origin, receipt);
  }

  async stop(): Promise<void> {
    if (this.current === "stopped") return;
    this.current = "stopped";
    this.wake?.();
    await this.teardown();
    await this.running;
  }

  private upConnection(): Result<NatsConnection> {
    if (this.current !== "up" || !this.nc) return fail(`the mesh is ${this.current}`);
    return { ok: true, value: this.nc };
  }

  private event(event: string, fields: Record<string, string | number> = {}): void {
    this.handlers.onEvent?.(event, { host: this.host, ...fields });
  }

  private setState(state: LinkState): void {
    if (this.current === "stopped" || this.current === state) return;
    this.current = state;
    if (state === "up") {
      this.event("mesh-up", { server: this.nc?.getServer() ?? "" });
      for (const listener of this.upListeners) {
        try {
          listener();
        } catch (e) {
          this.event("mesh-error", { error: `an up listener failed: ${String(e)}` });
        }
      }
    } else if (state === "down") this.event("mesh-down");
  }

  private stopped(): boolean {
    return this.current === "stopped";
  }

  /** Connect, set up, and serve until the connection closes; then again, until stopped. */
  private async run(): Promise<void> {
    let lastError = "";
    const failed = async (error: string) => {
      // Said once, not at every retry while NATS stays away.
      if (error !== lastError) this.event("mesh-error", { error });
      lastError = error;
      await this.teardown();
      await this.pause();
    };
    while (!this.stopped()) {
      const nc = await connectMesh(this.mesh, this.host);
      if (this.stopped()) {
        if (nc.ok) await nc.value.close();
        return;
      }
      if (!nc.ok) {
        await failed(nc.error);
        continue;
      }
      this.nc = nc.value;
      const ready = await this.setUp(nc.value);
      if (!ready.ok) {
        await failed(ready.error);
        continue;
      }
      lastError = "";
      this.setState("up");
      await this.follow(nc.value);
      await this.teardown();
    }
  }

  private async setUp(nc: NatsConnection): Promise<Result<void>> {
    const stream = await ensureStream(nc, this.settings.stream);
    if (!stream.ok) return stream;
    const dir = await Directory.open(nc, { replicas: stream.value.replicas });
    if (!dir.ok) return dir;
    this.dir = dir.value;
    const onError = (error: string) => this.event("mesh-error", { error });
    const onRepaired = (detail: string) => this.event("mesh-consumer-repaired", { detail });
    const ackWait = this.settings.ackWaitMs !== undefined && { ackWaitMs: this.settings.ackWaitMs };
    const inbox = await openInbox(nc, this.host, (m) => this.take(m), {
      onError,
      onRepaired,
      ...ackWait,
    });
    if (!inbox.ok) return inbox;
    this.consumers.push(inbox.value);
    const receipts = await openReceipts(nc, this.host, (r) => this.handlers.onReceipt(r), {
      onError,
      onRepaired,
      ...ackWait,
    });
    if (!receipts.ok) return receipts;
    this.consumers.push(receipts.value);
    return { ok: true, value: undefined };
  }

  /** One message off the stream: refused, expired (a `failed` receipt), or handed over. */
  private async take({ data, personality, sender }: InboundMessage): Promise<void> {
    const wire = decodeWire(data);
    const misrouted =
      wire.ok && (wire.value.to.host !== this.host || wire.value.to.personality !== personality);
    const forged = wire.ok && wire.value.from.host !== sender;
    if (!wire.ok || misrouted || forged) {
      // Nothing could ever deliver it: said in the log, and gone.
      const error = !wire.ok
        ? wire.error
        : misrouted
          ? "addressed to another peer"
          : `sent by ${sender} as ${wire.value.from.host}`;
      this.event("mesh-refused", { error });
      return;
    }
    const m = wire.value;
    const now = this.settings.now?.() ?? new Date();
    if (m.expiresAt !== undefined && Date.parse(m.expiresAt) <= now.getTime()) {
      const sent = await publishReceipt(this.connection(), m.from.host, {
        id: m.id,
        outcome: "failed",
        error: `expired at ${m.expiresAt} before ${this.host} could deliver it`,
        host: this.host,
        at: now.toISOString(),
      });
      // Unsent, the message comes again and the receipt is tried again.
      if (!sent.ok) throw new Error(sent.error);
      return;
    }
    await this.handlers.onMessage(m);
  }

  private connection(): NatsConnection {
    if (!this.nc) throw new Error("the mesh is not connected");
    return this.nc;
  }

  /** Track the connection's state until it closes (it reconnects by itself meanwhile). */
  private async follow(nc: NatsConnection): Promise<void> {
    const closed = nc.closed();
    (async () => {
      for await (const s of nc.status()) {
        if (s.type === "disconnect") this.setState("down");
        else if (s.type === "reconnect") this.setState("up");
      }
    })().catch(() => {});
    await closed;
  }

  private async teardown(): Promise<void> {
    for (const c of this.consumers.splice(0)) await c.stop().catch(() => {});
    const nc = this.nc;
    this.nc = undefined;
    if (nc && !nc.isClosed()) await nc.close().catch(() => {});
  }

  /** Wait before trying again; a stop ends the wait. */
  private pause(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped()) return resolve();
      const timer = setTimeout(resolve, this.settings.retryMs ?? 2_000);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
