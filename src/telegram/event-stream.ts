import type { StoredEvent } from "../store/journal";
import { type Bridge, pause } from "./context";

/**
 * The daemon's events (`GET /v1/events`, server-sent), followed for as long as the bridge runs:
 * read from where the last connection stopped, so a daemon restart loses none (its events are
 * in its database).
 */

/** One server-sent event block's data as an event; undefined for a comment or a keep-alive. */
export function readEventBlock(block: string): StoredEvent | undefined {
  const data = block
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).replace(/^ /, ""))
    .join("\n");
  if (data === "") return undefined;
  try {
    const e = JSON.parse(data) as StoredEvent;
    return typeof e.id === "number" && typeof e.ev === "string" ? e : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Hand each event to `handle`, one at a time, in order. `from` says where to start each
 * connection: after the last event handled, or `latest` when there is none yet.
 */
export async function followEvents(
  bridge: Bridge,
  from: () => number | "latest",
  handle: (e: StoredEvent) => Promise<void>,
): Promise<void> {
  while (!bridge.stop.aborted) {
    const opened = await bridge.daemon.events(from(), bridge.stop);
    if (!opened.ok) {
      if (bridge.stop.aborted) return;
      bridge.log("daemon-unreachable", { error: opened.error });
      await pause(bridge);
      continue;
    }
    const reader = (opened.value.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        for (let end = buffered.indexOf("\n\n"); end !== -1; end = buffered.indexOf("\n\n")) {
          const e = readEventBlock(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
          if (e) await handle(e);
        }
      }
    } catch {
      // The daemon went (or the bridge stops): connect again from the last event handled.
    }
    await pause(bridge);
  }
}
