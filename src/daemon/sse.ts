import type { Store } from "../store/db";
import { eventsSince } from "../store/journal";

const POLL_MS = 200;
const KEEPALIVE_MS = 15_000;

/**
 * Server-sent events from the events table: a replay from `since`, then new events as any
 * process writes them (the table is the one source, so CLI-made events are included).
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
      let quiet = 0;
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
        quiet = batch.length > 0 ? 0 : quiet + POLL_MS;
        if (quiet >= KEEPALIVE_MS) {
          controller.enqueue(encoder.encode(": keep-alive\n\n"));
          quiet = 0;
        }
        await Bun.sleep(POLL_MS);
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
