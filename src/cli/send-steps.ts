import { callDaemon } from "../daemon/client";
import type { Message } from "../transport/messages";
import type { SendResult } from "../transport/send";
import { daemonFor } from "./daemon-client";
import { usageError } from "./exit-codes";

/** What the sender is told of a message, from its record (as the daemon's send answers). */
function outcomeOf(m: Message): SendResult["outcome"] {
  const queued = ["queued", "delivering", "forwarding", "forwarded"].includes(m.state);
  const outcome = queued ? "queued" : (m.state as "delivered" | "unconfirmed" | "failed");
  return {
    ok: outcome !== "failed",
    id: m.id,
    outcome,
    woke: m.woke,
    ...(m.error && { error: m.error }),
    ...(queued && m.held && { reason: m.held }),
    ...(m.receivedAt && { received: true }),
    ...(m.answeredAt && { answered: true, reply: m.reply ?? "" }),
  };
}

/** What `send --wait` waits for: false, delivered (the default), received or answered. */
export type WaitStep = false | "delivered" | "received" | "answered";

export function waitStep(value: string | boolean): WaitStep {
  if (value === false || value === "false") return false;
  if (value === true || value === "" || value === "delivered") return "delivered";
  if (value === "received" || value === "answered") return value;
  throw usageError(
    `--wait takes delivered, received or answered (got ${JSON.stringify(value)}); --no-wait returns once it is stored`,
  );
}

export function waitTimeoutMs(text: string | undefined): number {
  if (text === undefined) return 600_000;
  const secs = Number(text);
  if (!Number.isFinite(secs) || secs <= 0 || secs > 86_400)
    throw usageError(`--timeout takes seconds from 1 to 86400 (got ${JSON.stringify(text)})`);
  return secs * 1000;
}

/**
 * Past `delivered`: wait for the agent's own record of the message (`received`) or the end of
 * the turn that handled it (`answered`, with its reply). A failed turn puts it back in the
 * queue, so the wait goes on until it is answered, fails for good, or the time is up.
 */
export async function awaitStep(
  sent: SendResult,
  step: "received" | "answered",
  timeoutMs: number,
  quiet: boolean,
  peer: string,
): Promise<SendResult> {
  const id = sent.outcome.id as string;
  const daemon = await daemonFor();
  const look = async (): Promise<SendResult | undefined> => {
    const m = await callDaemon<Message>(daemon, "GET", `/v1/messages/${id}`);
    if (!m.ok || m.value.id === undefined) return undefined;
    const o = outcomeOf(m.value);
    const reached = step === "received" ? o.received : o.answered;
    return reached || o.outcome === "failed" ? { outcome: o, badInput: false } : undefined;
  };
  const until = async (): Promise<SendResult> => {
    let last: SendResult = sent;
    for (const end = Date.now() + timeoutMs; Date.now() < end; await Bun.sleep(250)) {
      const now = await look();
      if (now) return now;
      const m = await callDaemon<Message>(daemon, "GET", `/v1/messages/${id}`);
      if (m.ok && m.value.id !== undefined) last = { outcome: outcomeOf(m.value), badInput: false };
    }
    return last;
  };
  if (quiet || !process.stderr.isTTY) return until();
  const { withSpinner } = await import("./spinner");
  return withSpinner(
    `waiting for ${peer} to ${step === "received" ? "receive" : "answer"} it…`,
    until,
  );
}
