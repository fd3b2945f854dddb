import { type Host, nowOf } from "../home/host";
import type { Dispatcher } from "../transport/dispatcher";
import type { Message } from "../transport/messages";
import {
  applyReceipt,
  expireOutbound,
  failUnsent,
  insertArrival,
  markForwarded,
  markReceipted,
  receiptKey,
  receiptsDue,
  refuseArrival,
  toForward,
} from "../transport/messages-across";
import { acceptsFromRefusal } from "../transport/policy";
import type { MeshRoute } from "../transport/route";
import { startDirectorySync } from "./directory-sync";
import { MeshLink } from "./link";
import { wireOf } from "./outbox";
import { Pump } from "./pump";
import type { Receipt } from "./receipts";
import { encodeWire, type WireMessage } from "./wire";

export interface MeshNode {
  /** The daemon's link: a directory sync attaches here. */
  readonly link: MeshLink;
  /** What a send needs of the mesh. */
  readonly route: MeshRoute;
  stop(): Promise<void>;
}

/** How often expiries are looked for, and what waits is tried again. */
const PASS_MS = 1_000;
const BATCH = 100;

/**
 * This daemon in the mesh, when IAPEER_NATS_URL is set: messages for other hosts go out from the
 * database (again after a restart or an outage: the stream absorbs repeats); messages for this
 * host go into the local queue before the stream is told they were taken; outcomes go back to
 * their origin as receipts, and receipts for what this host sent become their outcome.
 */
export function startMeshNode(host: Host, dispatcher: Dispatcher): MeshNode | undefined {
  const { mesh, host: thisHost } = host.config;
  if (!mesh || thisHost === undefined) return undefined;
  const { store } = host;
  const said = new Map<string, string>();
  /** An error said once while it lasts, not at every retry. */
  const sayOnce = (what: string, error: string | undefined) => {
    if (error === undefined) said.delete(what);
    else if (said.get(what) !== error) {
      said.set(what, error);
      host.events.write("mesh-error", { error });
    }
  };

  const recordOutcome = (m: Message, via: Record<string, string>) => {
    host.deliveries.write("delivery", {
      id: m.id,
      from: m.sender,
      to: m.recipient,
      outcome: m.state,
      woke: m.woke,
      length: [...m.body].length,
      ...via,
      ...(m.error && { error: m.error }),
    });
  };

  const link = MeshLink.start(mesh, thisHost, {
    async onMessage(w: WireMessage) {
      const from = `${w.from.personality}@${w.from.host}`;
      const refusal = acceptsFromRefusal(host, w.from, w.to.personality);
      if (refusal) {
        // Its sender learns why from the failed receipt; its body is not kept.
        if (store.write(() => refuseArrival(store, w, nowOf(host), refusal)))
          host.events.write("send-refused", {
            id: w.id,
            from,
            to: w.to.personality,
            error: refusal,
          });
        receipter.kick();
        return;
      }
      const stored = store.write(() => insertArrival(store, w, nowOf(host)));
      if (stored)
        host.events.write("message-queued", {
          id: w.id,
          from: `${w.from.personality}@${w.from.host}`,
          to: w.to.personality,
          length: [...w.body].length,
        });
      void dispatcher.kick(w.to.personality);
    },
    async onReceipt(r: Receipt) {
      const changed = applyReceipt(store, r);
      if (changed) recordOutcome(changed, { host: r.host });
    },
    onEvent(event, fields) {
      host.events.write(event, fields);
    },
  });

  const forwarder = new Pump(
    async () => {
      for (;;) {
        if (link.state() !== "up") return;
        const batch = toForward(store, BATCH);
        if (batch.length === 0) return;
        for (const m of batch) {
          const wire = wireOf(m, thisHost);
          const valid = encodeWire(wire);
          if (!valid.ok) {
            // It could never cross: failed now, rather than holding up the messages after it.
            const failed = store.write(() => failUnsent(store, m.id, valid.error, nowOf(host)));
            if (failed) recordOutcome(failed, { host: m.toHost ?? "" });
            continue;
          }
          const sent = await link.publish(wire);
          sayOnce("forward", sent.ok ? undefined : sent.error);
          // Left `forwarding`: tried again when the link is back, or at the next pass.
          if (!sent.ok) return;
          if (store.write(() => markForwarded(store, m.id, nowOf(host))))
            host.events.write("message-forwarded", {
              id: m.id,
              to: m.recipient,
              seq: sent.value.seq,
            });
        }
      }
    },
    (e) => sayOnce("forward", String(e)),
  );

  const receipter = new Pump(
    async () => {
      for (;;) {
        if (link.state() !== "up") return;
        const due = receiptsDue(store, BATCH);
        if (due.length === 0) return;
        for (const m of due) {
          const sent = await link.receipt(m.fromHost as string, {
            id: m.id,
            outcome: m.state as Receipt["outcome"],
            // At most 2,000 characters of why: a receipt refused would hold up the rest.
            ...(m.error && { error: m.error.slice(0, 2000) }),
            woke: m.woke,
            host: thisHost,
            at: m.answeredAt ?? m.receivedAt ?? m.updatedAt,
            ...(m.answeredAt
              ? { step: "answered" as const, reply: (m.reply ?? "").slice(0, 16_000) }
              : m.receivedAt && { step: "received" as const }),
          });
          sayOnce("receipt", sent.ok ? undefined : sent.error);
          if (!sent.ok) return;
          store.write(() => markReceipted(store, m.id, receiptKey(m)));
        }
      }
    },
    (e) => sayOnce("receipt", String(e)),
  );

  const pass = () => {
    try {
      for (const m of expireOutbound(store, nowOf(host)))
        recordOutcome(m, { host: m.toHost ?? "" });
    } catch (e) {
      sayOnce("expire", String(e));
    }
    forwarder.kick();
    receipter.kick();
  };
  link.onUp(pass);
  dispatcher.afterEachStep(() => receipter.kick());
  const timer = setInterval(pass, PASS_MS);

  const route: MeshRoute = {
    async hostsOf(personality) {
      const dir = link.directory();
      if (!dir || link.state() !== "up") return { ok: false, error: `the mesh is ${link.state()}` };
      const listed = await dir.list();
      if (!listed.ok) return listed;
      return {
        ok: true,
        value: listed.value.entries
          .filter((e) => e.personality === personality && e.host !== thisHost)
          .map((e) => e.host),
      };
    },
    forward: () => forwarder.kick(),
    up: () => link.state() === "up",
  };

  // This host's peers in the mesh's directory, current and renewed (list --all, the dashboard).
  const directorySync = startDirectorySync(host, link, thisHost);

  return {
    link,
    route,
    async stop() {
      clearInterval(timer);
      await directorySync.stop();
      await link.stop();
      await forwarder.idle();
      await receipter.idle();
    },
  };
}
