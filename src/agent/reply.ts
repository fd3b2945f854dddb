import { decodeEnvelope } from "../codec/envelope";

export const REPLY_TOPIC = "echo-reply";
const ROUND = /\bround (\d+)\/(\d+)\b/;

export interface Reply {
  to: string;
  body: string;
  topic: string;
}

/**
 * What a replying echo agent answers to a submission, if anything. Always bounded, so two
 * replying agents never talk forever: `round k/N` is answered with `round k+1/N` until N; any
 * other message from a peer gets one echo, and an echo is never answered.
 */
export function replyTo(submitted: string, self: string): Reply | undefined {
  const env = decodeEnvelope(submitted);
  if (!env.ok || env.value.from === self || env.value.intelligence === "natural") return undefined;
  const { from, body, topic } = env.value;
  const round = ROUND.exec(body);
  if (round) {
    const [k, n] = [Number(round[1]), Number(round[2])];
    return k < n ? { to: from, body: `round ${k + 1}/${n}`, topic: topic ?? "demo" } : undefined;
  }
  if (topic === REPLY_TOPIC) return undefined;
  return { to: from, body: `echo: ${[...body].slice(0, 200).join("")}`, topic: REPLY_TOPIC };
}
