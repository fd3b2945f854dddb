import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import * as z from "zod";
import { PERSONALITY_PATTERN } from "../core/names";
import { fail, ok, type Result } from "../core/result";
import { type DurableSettings, type Running, runDurable } from "./durable";
import type { PublishAck } from "./publish";
import { hostReceipts, receiptSubject, receiptsConsumer, reporterOf, STREAM } from "./subjects";

/** What became of a message on the host it went to, sent back to the host it came from. */
const receiptSchema = z.object({
  /** The message's id. */
  id: z.string().min(1).max(200),
  outcome: z.enum(["delivered", "unconfirmed", "failed"]),
  /** Why, for `failed` (and `unconfirmed` when known). */
  error: z.string().max(2000).optional(),
  /** Delivering it woke the recipient. */
  woke: z.boolean().optional(),
  /** The reporting host, which delivered (or failed to deliver) it. */
  host: z.string().regex(PERSONALITY_PATTERN),
  /** ISO-8601: when the outcome was reached. */
  at: z.string(),
  /** Past `delivered`, from the agent's own record: it received the message, or answered it. */
  step: z.enum(["received", "answered"]).optional(),
  /** answered: the reply (cut to what a receipt carries). */
  reply: z.string().max(16_000).optional(),
});

export type Receipt = z.infer<typeof receiptSchema>;

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Send a receipt to the message's origin host and wait for the stream's ack. Its id is the
 * message id with the outcome, so reporting the same outcome again (after a crash) stores it once.
 */
export async function publishReceipt(
  nc: NatsConnection,
  origin: string,
  receipt: Receipt,
  timeoutMs = 5_000,
): Promise<Result<PublishAck>> {
  const valid = receiptSchema.safeParse(receipt);
  if (!valid.success) return fail(`not a receipt: ${valid.error.issues[0]?.message}`);
  try {
    const subject = receiptSubject(origin, receipt.host);
    const ack = await jetstream(nc).publish(subject, JSON.stringify(valid.data), {
      msgID: `receipt:${receipt.id}:${receipt.outcome}${receipt.step ? `:${receipt.step}` : ""}`,
      expect: { streamName: STREAM },
      timeout: timeoutMs,
    });
    return ok({ seq: ack.seq, duplicate: ack.duplicate });
  } catch (e) {
    return fail(`cannot send the receipt of ${receipt.id} to ${origin}: ${reason(e)}`);
  }
}

function parseReceipt(data: Uint8Array): Receipt | undefined {
  try {
    const parsed = receiptSchema.safeParse(JSON.parse(new TextDecoder().decode(data)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The receipts for what this host sent, through its durable consumer, each acknowledged only
 * once `handle` resolved (so `handle` records by message id and outcome). A receipt that is not
 * one, or claims another reporter than its subject's, is dropped.
 */
export function openReceipts(
  nc: NatsConnection,
  host: string,
  handle: (receipt: Receipt) => Promise<void>,
  settings: DurableSettings = {},
): Promise<Result<Running>> {
  const spec = { name: receiptsConsumer(host), filter: hostReceipts(host) };
  return runDurable(
    nc,
    spec,
    async ({ subject, data }) => {
      const receipt = parseReceipt(data);
      if (!receipt || receipt.host !== reporterOf(subject)) return "unusable";
      await handle(receipt);
      return "taken";
    },
    settings,
  );
}
