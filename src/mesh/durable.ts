import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import { fail, ok, type Result } from "../core/result";
import { STREAM } from "./subjects";

/** A stored item a durable consumer hands over, with its publisher's id. */
interface Handed {
  /** Nats-Msg-Id: the key under which the handler records it, so a repeat is a no-op. */
  readonly id: string;
  readonly subject: string;
  readonly data: Uint8Array;
  /** 1 the first time; more when it was handed over before and not acknowledged. */
  readonly deliveries: number;
}

interface DurableSpec {
  /** The consumer's durable name; its position survives every restart. */
  readonly name: string;
  readonly filter: string;
}

export interface DurableSettings {
  /** How long a handed-over item may go unacknowledged before it is handed over again. */
  ackWaitMs?: number;
  /** Wait before an item whose handler failed is handed over again. */
  retryDelayMs?: number;
  /** Told of each handler failure and each item that cannot be taken. */
  onError?: (error: string) => void;
  /** Told when the consumer was found diverted (another filter) and made again. */
  onRepaired?: (detail: string) => void;
}

export interface Running {
  /** Stop taking items; what was handed over and not acknowledged comes again later. */
  stop(): Promise<void>;
}

/**
 * Handlers only record the item (an insert by id: milliseconds), so a short wait suffices; it is
 * also how long an item handed over by a NATS node that then died waits to come again.
 */
const DEFAULT_ACK_WAIT_MS = 10_000;
const DEFAULT_RETRY_DELAY_MS = 1_000;
const PULL_EXPIRES_MS = 5_000;

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * What makes a consumer not this host's any more, whoever changed it: another filter (another
 * host's messages), several filters, or a push consumer handing items to some subject.
 */
function divertedBy(have: Partial<ConsumerConfig>, spec: DurableSpec): string | undefined {
  if ((have.filter_subjects?.length ?? 0) > 0)
    return `filters ${have.filter_subjects?.join(", ")} instead of ${spec.filter}`;
  if (have.filter_subject !== spec.filter)
    return `filter ${have.filter_subject || "(none)"} instead of ${spec.filter}`;
  if (have.deliver_subject) return `pushes to ${have.deliver_subject}`;
  if (have.ack_policy !== AckPolicy.Explicit) return `ack policy ${have.ack_policy}`;
  return undefined;
}

/**
 * Make the durable consumer exist with this ack wait, and as this host's: one found diverted
 * (its filter changed, say) is deleted and made again, told through `onRepaired`. Made again, it
 * starts from the stream's first item: what was already taken comes again and is absorbed by id.
 */
async function ensureDurable(
  nc: NatsConnection,
  spec: DurableSpec,
  ackWaitMs = DEFAULT_ACK_WAIT_MS,
  onRepaired: (detail: string) => void = () => {},
): Promise<Result<void>> {
  const want: Partial<ConsumerConfig> = {
    durable_name: spec.name,
    filter_subject: spec.filter,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(ackWaitMs),
    max_deliver: -1,
  };
  try {
    const jsm = await jetstreamManager(nc);
    try {
      const have = (await jsm.consumers.info(STREAM, spec.name)).config;
      const diverted = divertedBy(have, spec);
      if (diverted) {
        await jsm.consumers.delete(STREAM, spec.name);
        await jsm.consumers.add(STREAM, want);
        onRepaired(`${spec.name} had ${diverted}: made again`);
      } else if (have.ack_wait !== want.ack_wait) {
        await jsm.consumers.update(STREAM, spec.name, { ack_wait: want.ack_wait });
      }
    } catch (e) {
      if (!(e instanceof JetStreamApiError) || e.code !== JetStreamApiCodes.ConsumerNotFound) {
        throw e;
      }
      await jsm.consumers.add(STREAM, want);
    }
    return ok(undefined);
  } catch (e) {
    return fail(`cannot set up the consumer ${spec.name}: ${reason(e)}`);
  }
}

/**
 * Take the consumer's items one at a time, in stream order: each goes to `handle`, and is
 * acknowledged only once `handle` resolved (the ack confirmed by the server). A handler that
 * throws gets the item again after the retry delay; a process that dies before the ack gets it
 * again after the ack wait. `handle` must therefore take a repeat as a no-op. An item without an
 * id, or one `handle` calls unusable, is ended for good, never retried.
 */
export async function runDurable(
  nc: NatsConnection,
  spec: DurableSpec,
  handle: (item: Handed) => Promise<"taken" | "unusable">,
  settings: DurableSettings = {},
): Promise<Result<Running>> {
  const ackWaitMs = settings.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  const retryDelayMs = settings.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const report = settings.onError ?? (() => {});
  const ensured = await ensureDurable(nc, spec, ackWaitMs, settings.onRepaired);
  if (!ensured.ok) return ensured;
  const drop = (m: JsMsg, why: string) => {
    report(`${spec.name}: dropped stream item ${m.seq} on ${m.subject}: ${why}`);
    // No reason given: nats-server 2.9 (Debian 12's) does not take "+TERM <reason>" and would
    // hand the item over again after the ack wait.
    m.term();
  };
  const take = async (m: JsMsg) => {
    const id = m.headers?.get("Nats-Msg-Id") ?? "";
    if (id === "") return drop(m, "no message id");
    let verdict: "taken" | "unusable";
    try {
      verdict = await handle({
        id,
        subject: m.subject,
        data: m.data,
        deliveries: m.info.deliveryCount,
      });
    } catch (e) {
      report(`${spec.name}: ${id}: ${reason(e)}; it comes again in ${retryDelayMs} ms`);
      m.nak(retryDelayMs);
      return;
    }
    if (verdict === "unusable") return drop(m, "unusable");
    // If this ack is lost, the item comes again and the handler's record by id absorbs it.
    await m.ackAck().catch((e) => report(`${spec.name}: ${id}: ack not confirmed: ${reason(e)}`));
  };
  try {
    const consumer = await jetstream(nc).consumers.get(STREAM, spec.name);
    // Pulls expire after 5 s (default 30 s), so after a NATS node dies, a pull left on it is
    // replaced within seconds instead of stalling the inbox for half a minute.
    const items = await consumer.consume({ max_messages: 64, expires: PULL_EXPIRES_MS });
    const loop = (async () => {
      for await (const m of items) await take(m);
    })().catch((e) => report(`${spec.name} stopped: ${reason(e)}`));
    return ok({
      async stop() {
        await items.close();
        await loop;
      },
    });
  } catch (e) {
    return fail(`cannot start the consumer ${spec.name}: ${reason(e)}`);
  }
}
