/**
 * The Telegram Bot API over plain fetch: four JSON methods are all the bridge calls, and owning
 * the request means owning its errors, so the token (part of every URL) never reaches a log or
 * an error message.
 */

type BotAnswer<T> =
  | { kind: "ok"; result: T }
  /** Try again: after `afterMs` when Telegram said so (429's retry_after), else after a back-off. */
  | { kind: "retry"; afterMs?: number; why: string }
  /** Telegram refused this request for good (a chat that blocked the bot, a bad token). */
  | { kind: "refused"; status: number; why: string };

interface ApiBody {
  ok?: boolean;
  result?: unknown;
  description?: string;
  parameters?: { retry_after?: number };
}

export class BotApi {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  /** Any text that may hold the token (an error quoting the URL) is cleaned before it leaves. */
  redact(text: string): string {
    return text.replaceAll(this.token, "<token>");
  }

  async call<T>(
    method: string,
    params: Record<string, unknown>,
    timeoutMs = 30_000,
  ): Promise<BotAnswer<T>> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/bot${this.token}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(params),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      return { kind: "retry", why: this.redact(`${method}: ${(error as Error).message}`) };
    }
    let body: ApiBody = {};
    try {
      body = (await res.json()) as ApiBody;
    } catch {
      // not JSON: a proxy's error page; the status says enough
    }
    if (res.ok && body.ok === true) return { kind: "ok", result: body.result as T };
    const why = this.redact(
      `${method}: ${res.status} ${String(body.description ?? res.statusText).slice(0, 200)}`,
    );
    if (res.status === 429) {
      const secs = Number(body.parameters?.retry_after);
      return { kind: "retry", ...(secs > 0 && { afterMs: secs * 1000 }), why };
    }
    if (res.status >= 500) return { kind: "retry", why };
    return { kind: "refused", status: res.status, why };
  }
}

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/**
 * Call until Telegram answers for good: a 429 waits its `retry_after`, an outage backs off,
 * doubling up to half a minute. Only `ok` or `refused` comes back (or `refused` with status 0
 * once `stop` is aborted).
 */
export async function persist<T>(
  attempt: () => Promise<BotAnswer<T>>,
  onRetry: (why: string, waitMs: number) => void,
  stop?: AbortSignal,
): Promise<Exclude<BotAnswer<T>, { kind: "retry" }>> {
  let backoff = FIRST_BACKOFF_MS;
  for (;;) {
    const answer = await attempt();
    if (answer.kind !== "retry") return answer;
    const waitMs = answer.afterMs ?? backoff;
    if (answer.afterMs === undefined) backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    onRetry(answer.why, waitMs);
    if (stop?.aborted) return { kind: "refused", status: 0, why: "stopping" };
    await Bun.sleep(waitMs);
  }
}
