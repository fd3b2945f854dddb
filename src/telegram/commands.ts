import type { PeerRuntimeState } from "../lifecycle/state";
import type { RecipientCounts } from "../transport/messages";
import type { Bridge } from "./context";

export const HELP = [
  "Write @peer and a message to send it to that peer, e.g. @ana review PR 12.",
  "Reply to a peer's message to answer that peer.",
  "/peers: who is here and their state",
  "/queue: messages waiting to be delivered",
].join("\n");

export function peersText(rows: readonly PeerRuntimeState[]): string {
  if (rows.length === 0) return "No peers yet.";
  return rows
    .map((r) => `${r.personality} (${r.runtime}${r.default ? "" : ", not default"}): ${r.state}`)
    .join("\n");
}

export function queueText(rows: readonly RecipientCounts[]): string {
  const waiting = new Map<string, number>();
  for (const r of rows)
    if (r.waiting > 0) waiting.set(r.recipient, (waiting.get(r.recipient) ?? 0) + r.waiting);
  if (waiting.size === 0) return "Nothing is waiting.";
  return [...waiting].map(([peer, n]) => `${peer}: ${n} waiting`).join("\n");
}

/** The answer to a command, or why the daemon could not give it. */
export async function answerCommand(bridge: Bridge, name: string): Promise<string> {
  switch (name) {
    case "peers": {
      const rows = await bridge.daemon.peers();
      return rows.ok ? peersText(rows.value) : `The daemon did not answer: ${rows.error}`;
    }
    case "queue": {
      const rows = await bridge.daemon.queue();
      return rows.ok ? queueText(rows.value) : `The daemon did not answer: ${rows.error}`;
    }
    case "start":
    case "help":
      return HELP;
    default:
      return `There is no /${name}.\n${HELP}`;
  }
}
