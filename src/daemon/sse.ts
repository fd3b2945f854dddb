import type { Store } from "../store/db";
import { eventsSince, onEvent } from "../store/journal";

/**
 * The daemon's own events are pushed at once; the commands that change the registry write theirs
 * from their own processes, and are found by a look at the table this often.
 */
const OTHERS_MS = 1000;
const KEEPALIVE_MS = 15_000;

/** Resolves at the next event written in this process, or after `ms`. */
function nextEvent(store: Store, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop();
      signal.removeEventListener("abort", done);
      resolve();
    };
    const stop = onEvent(store, done);
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/**
 * Server-sent events from the events table: a replay from `since`, then new events as they are
 * written (the table is the one source, so events other processes write are included).
 * Unnamed, every event reaches a browser's `EventSource.onmessage` (a name needs a listener each).
 */
export function eventStream(
  store: Store,
  since: number,
  signal: AbortSignal,
  opts: { named?: boolean; headers?: Record<string, string> } = {},
): Response {
  const named = opts.named ?? true;
  let last = since;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      // At once, so the headers go out and the client knows it is following, events or not.
      controller.enqueue(encoder.encode(": following\n\n"));
      let quiet = Date.now();
      while (!signal.aborted) {
        const batch = eventsSince(store, last);
        for (const event of batch) {
          controller.enqueue(
            encoder.encode(
              `id: ${event.id}\n${named ? `event: ${event.ev}\n` : ""}data: ${JSON.stringify(event)}\n\n`,
            ),
          );
          last = event.id;
        }
        if (batch.length > 0) quiet = Date.now();
        if (Date.now() - quiet >= KEEPALIVE_MS) {
          controller.enqueue(encoder.encode(": keep-alive\n\n"));
          quiet = Date.now();
        }
        await nextEvent(store, OTHERS_MS, signal);
      }
      controller.close();
    },
  });
  return new Response(stream, {
    headers: {
      ...opts.headers,
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    },
  });
}
