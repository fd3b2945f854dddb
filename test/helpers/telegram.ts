/**
 * A scripted Telegram Bot API on 127.0.0.1: it holds updates for getUpdates (long polling, as
 * Telegram does), records what is sent, edited and reacted to, and can answer 429 with
 * retry_after or hold a request unanswered. Only requests made with its token are served; an
 * edit of a message it never sent is refused, as Telegram refuses it.
 */

export interface SentMessage {
  chat: string;
  text: string;
  params: Record<string, unknown>;
  messageId: number;
}

export interface Edit {
  chat: string;
  messageId: number;
  text: string;
  params: Record<string, unknown>;
}

export interface Call {
  method: string;
  params: Record<string, unknown>;
}

export interface FakeTelegram {
  url: string;
  calls: Call[];
  sent: SentMessage[];
  edits: Edit[];
  /** setMessageReaction is refused, as in a group whose admins allow bots no reactions. */
  refuseReactions(): void;
  /** Queue an update (its update_id is given); returns the update_id. */
  push(update: Record<string, unknown>): number;
  /** The next `n` calls of `method` are answered 429 with this retry_after. */
  tooManyRequests(method: string, n: number, retryAfterSecs?: number): void;
  /** Leave sendMessage requests unanswered (and unrecorded) until `release`. */
  hold(): void;
  release(): void;
  held(): number;
  stop(): void;
}

const running = new Set<FakeTelegram>();

export function fakeTelegram(token: string): FakeTelegram {
  const calls: Call[] = [];
  const sent: SentMessage[] = [];
  const edits: Edit[] = [];
  let reactions = true;
  const updates: { update_id: number }[] = [];
  const limited = new Map<string, { n: number; secs: number }>();
  let nextUpdate = 1;
  let nextMessage = 1000;
  let holding = false;
  const waiting: (() => void)[] = [];
  const reply = (body: unknown, status = 200) => Response.json(body, { status });

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url).pathname);
      if (!match) return reply({ ok: false, error_code: 404, description: "Not Found" }, 404);
      if (match[1] !== token)
        return reply({ ok: false, error_code: 401, description: "Unauthorized" }, 401);
      const method = match[2] as string;
      const params = (await req.json().catch(() => ({}))) as Record<string, unknown>;
      calls.push({ method, params });
      const limit = limited.get(method);
      if (limit && limit.n > 0) {
        limit.n--;
        return reply(
          {
            ok: false,
            error_code: 429,
            description: `Too Many Requests: retry after ${limit.secs}`,
            parameters: { retry_after: limit.secs },
          },
          429,
        );
      }
      switch (method) {
        case "getMe":
          return reply({ ok: true, result: { id: 42, is_bot: true, username: "iapeer_test_bot" } });
        case "getUpdates": {
          const offset = Number(params.offset ?? 0);
          // Confirmed by the offset: Telegram forgets them.
          while (updates.length > 0 && (updates[0] as { update_id: number }).update_id < offset)
            updates.shift();
          const until = Date.now() + Math.min(Number(params.timeout ?? 0), 1) * 1000;
          while (updates.length === 0 && Date.now() < until && !req.signal.aborted)
            await Bun.sleep(20);
          return reply({ ok: true, result: updates.slice(0, 100) });
        }
        case "sendMessage": {
          if (holding) {
            await new Promise<void>((resolve) => waiting.push(resolve));
            return reply({ ok: false, error_code: 502, description: "Bad Gateway" }, 502);
          }
          const m: SentMessage = {
            chat: String(params.chat_id),
            text: String(params.text),
            params,
            messageId: nextMessage++,
          };
          sent.push(m);
          return reply({
            ok: true,
            result: {
              message_id: m.messageId,
              chat: { id: Number(m.chat) },
              from: { id: 42, is_bot: true },
              text: m.text,
            },
          });
        }
        case "answerCallbackQuery":
          return reply({ ok: true, result: true });
        case "editMessageText": {
          const chat = String(params.chat_id);
          const messageId = Number(params.message_id);
          if (!sent.some((m) => m.chat === chat && m.messageId === messageId))
            return reply(
              { ok: false, error_code: 400, description: "Bad Request: message to edit not found" },
              400,
            );
          edits.push({ chat, messageId, text: String(params.text), params });
          return reply({ ok: true, result: { message_id: messageId, chat: { id: Number(chat) } } });
        }
        case "setMessageReaction":
          return reactions
            ? reply({ ok: true, result: true })
            : reply(
                { ok: false, error_code: 400, description: "Bad Request: REACTION_INVALID" },
                400,
              );
        default:
          return reply({ ok: false, error_code: 404, description: "Not Found: method" }, 404);
      }
    },
  });

  const fake: FakeTelegram = {
    url: `http://127.0.0.1:${server.port}`,
    calls,
    sent,
    edits,
    refuseReactions() {
      reactions = false;
    },
    push(update) {
      const id = nextUpdate++;
      updates.push({ update_id: id, ...update });
      return id;
    },
    tooManyRequests(method, n, retryAfterSecs = 1) {
      limited.set(method, { n, secs: retryAfterSecs });
    },
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const resolve of waiting.splice(0)) resolve();
    },
    held: () => waiting.length,
    stop() {
      fake.release();
      server.stop(true);
      running.delete(fake);
    },
  };
  running.add(fake);
  return fake;
}

/** Stop every fake a test started (test/setup.ts). */
export function cleanupTelegram(): void {
  for (const fake of running) fake.stop();
}

/** A chat message from a person, as an update's `message`. */
export function chatMessage(
  chat: number,
  text: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    message: {
      message_id: Math.floor(Math.random() * 1e9),
      chat: { id: chat, type: "private" },
      from: { id: chat, is_bot: false, first_name: "Pat" },
      date: Math.floor(Date.now() / 1000),
      text,
      ...extra,
    },
  };
}

/** A tap on a button of a message the bot sent, as an update's `callback_query`. */
export function buttonTap(
  chat: number,
  user: number,
  message: { messageId: number; text: string },
  data: string,
): Record<string, unknown> {
  return {
    callback_query: {
      id: `tap-${crypto.randomUUID()}`,
      from: { id: user, is_bot: false, first_name: "Pat", username: `user${user}` },
      message: {
        message_id: message.messageId,
        chat: { id: chat, type: "private" },
        from: { id: 42, is_bot: true },
        text: message.text,
      },
      chat_instance: "1",
      data,
    },
  };
}
