import type { NatsConnection } from "@nats-io/transport-node";
import type { Result } from "../core/result";
import { type DurableSettings, type Running, runDurable } from "./durable";
import { hostMessages, inboxConsumer, messageRoute } from "./subjects";

/** One message for a peer of this host, as the stream hands it over. */
export interface InboundMessage {
  /** The sender's message id (Nats-Msg-Id): the key of the local insert. */
  readonly id: string;
  readonly personality: string;
  /** The host that sent it, per its subject (which the server lets each host use only as itself). */
  readonly sender: string;
  readonly data: Uint8Array;
  /** 1 the first time; more when it was handed over before and not acknowledged. */
  readonly deliveries: number;
}

type Inbox = Running;

/**
 * This host's messages, through its durable consumer, one at a time in stream order; each is
 * acknowledged only once `handle` resolved, so `handle` inserts by id (a repeat is a no-op).
 */
export function openInbox(
  nc: NatsConnection,
  host: string,
  handle: (message: InboundMessage) => Promise<void>,
  settings: DurableSettings = {},
): Promise<Result<Inbox>> {
  const spec = { name: inboxConsumer(host), filter: hostMessages(host) };
  return runDurable(
    nc,
    spec,
    async ({ id, subject, data, deliveries }) => {
      const route = messageRoute(subject);
      if (route === undefined) return "unusable";
      await handle({ id, ...route, data, deliveries });
      return "taken";
    },
    settings,
  );
}
