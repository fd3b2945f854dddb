import * as z from "zod";
import { INTELLIGENCES } from "../codec/envelope";
import { messageFields } from "../codec/send-input";
import { HUMAN_SENDER, PERSONALITY_PATTERN } from "../core/names";
import { fail, ok, type Result } from "../core/result";

/**
 * A message as it crosses hosts: what the receiving daemon needs to store it in its own queue
 * and build the envelope, and nothing else. Checked as strictly as a local send, so that a
 * message this host could never deliver is refused at once (a `failed` receipt), not retried.
 */

/** What newMessageId makes: `m_<ms in base36>_<16 hex>`. */
const MESSAGE_ID = /^m_[0-9a-z]{1,12}_[0-9a-f]{16}$/;
/** Far above the largest valid message (16,000 characters of 4 bytes, plus the rest). */
export const MAX_WIRE_BYTES = 256 * 1024;

const name = z.string().regex(PERSONALITY_PATTERN);
const wireSchema = z.object({
  v: z.literal(1),
  id: z.string().regex(MESSAGE_ID),
  from: z.object({
    /** A peer's name, or `human` for a person at the sending host's CLI. */
    personality: z.union([name, z.literal(HUMAN_SENDER)]),
    host: name,
    runtime: z.string().regex(/^(cli|[a-z][a-z0-9]{0,31})$/),
    intelligence: z.enum(INTELLIGENCES),
  }),
  to: z.object({ personality: name, host: name }),
  /** The recipient's runtime, when the sender chose one. Checked as a local send is. */
  runtime: messageFields.runtime,
  topic: messageFields.topic,
  body: messageFields.body,
  attachments: messageFields.attachments.unwrap(),
  /** ISO-8601, by the sender's clock. */
  createdAt: z.iso.datetime(),
  /** After this the receiving host no longer delivers it, and says so (`failed`). */
  expiresAt: z.iso.datetime().optional(),
  /** The conversation between agents it belongs to, and its hops from its first message. */
  conversation: z.string().regex(MESSAGE_ID).optional(),
  hops: z.number().int().min(0).max(100_000).optional(),
});

export type WireMessage = z.infer<typeof wireSchema>;

export function encodeWire(message: WireMessage): Result<string> {
  const valid = wireSchema.safeParse(message);
  if (!valid.success) return fail(`not a message for another host: ${issue(valid.error)}`);
  return ok(JSON.stringify(valid.data));
}

export function decodeWire(data: Uint8Array): Result<WireMessage> {
  if (data.byteLength > MAX_WIRE_BYTES) {
    return fail(`a message from another host is ${data.byteLength} bytes, over ${MAX_WIRE_BYTES}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data));
  } catch {
    return fail("a message from another host is not JSON in UTF-8");
  }
  const valid = wireSchema.safeParse(parsed);
  if (!valid.success) return fail(`a message from another host is invalid: ${issue(valid.error)}`);
  return ok(valid.data);
}

function issue(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return "invalid";
  const where = first.path.join(".");
  return where ? `${where}: ${first.message}` : first.message;
}
