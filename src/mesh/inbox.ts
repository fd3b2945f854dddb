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
import { hostMessages, inboxConsumer, personalityOf, STREAM } from "./subjects";

/** One message for a peer of this host, as the stream hands it over. */
export interface InboundMessage {
  /** The sender's message id (Nats-Msg-Id): the key of the local insert. */
  readonly id: string;
  readonly personality: string;
  readonly data: Uint8Array;
  /** 1 the first time; more when it was handed over before and not acknowledged. */
  readonly deliveries: number;
}

export interface InboxSettings {
  /** How long a handed-over message may go unacknowledged before it is handed over again. */
  ackWaitMs?: number;
  /** Wait before a message whose handler failed is handed over again. */
  retryDelayMs?: number;
  /** Told of each handler failure and each message that cannot be taken (no id, bad subject). */
  onError?: (error: string) => void;
}

export interface Inbox {
  /** Stop taking messages; what was handed over and not acknowledged comes again later. */
  stop(): Promise<void>;
}

export const DEFAULT_ACK_WAIT_MS = 30_000;
const DEFAULT_RETRY_DELAY_MS = 1_000;

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function consumerConfig(host: string, ackWaitMs: number): Partial<ConsumerConfig> {
  return {
    durable_name: inboxConsumer(host),
    filter_subject: hostMessages(host),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(ackWaitMs),
    max_deliver: -1,
  };
}

/** Make this host's durable consumer exist (its position survives every restart). */
export async function ensureInbox(
  nc: NatsConnection,
  host: string,
  ackWaitMs = DEFAULT_ACK_WAIT_MS,
): Promise<Result<void>> {
  const name = inboxConsumer(host);
  const want = consumerConfig(host, ackWaitMs);
  try {
    const jsm = await jetstreamManager(nc);
    try {
      const have = (await jsm.consumers.info(STREAM, name)).config;
      if (have.ack_wait !== want.ack_wait) {
        await jsm.consumers.update(STREAM, name, { ack_wait: want.ack_wait });
      }
    } catch (e) {
      if (!(e instanceof JetStreamApiError) || e.code !== JetStreamApiCodes.ConsumerNotFound) {
        throw e;
      }
      await jsm.consumers.add(STREAM, want);
    }
    return ok(undefined);
  } catch (e) {
    return fail(`cannot set up the inbox of host ${host}: ${reason(e)}`);
  }
}

/**
 * Take this host's messages one at a time, in stream order: each goes to `handle`, and is
 * acknowledged only once `handle` resolved (the ack confirmed by the server). A handler that
 * throws gets the message again after the retry delay; a process that dies before the ack gets
 * it again after the ack wait. `handle` must therefore take a repeat as a no-op (insert by id).
 */
export async function openInbox(
  nc: NatsConnection,
  host: string,
  handle: (message: InboundMessage) => Promise<void>,
  settings: InboxSettings = {},
): Promise<Result<Inbox>> {
  const ackWaitMs = settings.ackWaitMs ?? DEFAULT_ACK_WAIT_MS;
  const retryDelayMs = settings.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const report = settings.onError ?? (() => {});
  const ensured = await ensureInbox(nc, host, ackWaitMs);
  if (!ensured.ok) return ensured;
  try {
    const consumer = await jetstream(nc).consumers.get(STREAM, inboxConsumer(host));
    const messages = await consumer.consume({ max_messages: 64 });
    const take = async (m: JsMsg) => {
      const id = m.headers?.get("Nats-Msg-Id") ?? "";
      const personality = personalityOf(m.subject);
      if (id === "" || personality === undefined) {
        // Nothing could ever take it: drop it for good instead of looping on it.
        report(`dropped stream message ${m.seq} on ${m.subject}: no message id or bad subject`);
        m.term("no message id or bad subject");
        return;
      }
      try {
        await handle({ id, personality, data: m.data, deliveries: m.info.deliveryCount });
      } catch (e) {
        report(`message ${id}: ${reason(e)}; it comes again in ${retryDelayMs} ms`);
        m.nak(retryDelayMs);
        return;
      }
      // If this ack is lost, the message comes again and the handler's insert by id absorbs it.
      await m.ackAck().catch((e) => report(`message ${id}: ack not confirmed: ${reason(e)}`));
    };
    const loop = (async () => {
      for await (const m of messages) await take(m);
    })().catch((e) => report(`the inbox of host ${host} stopped: ${reason(e)}`));
    return ok({
      async stop() {
        await messages.close();
        await loop;
      },
    });
  } catch (e) {
    return fail(`cannot open the inbox of host ${host}: ${reason(e)}`);
  }
}
