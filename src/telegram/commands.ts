import { validatePersonality } from "../core/names";
import type { PeerRuntimeState } from "../lifecycle/state";
import type { RecipientCounts } from "../transport/messages";
import type { Bridge } from "./context";

export const HELP = [
  "Write @peer and a message to send it to that peer, e.g. @ana review PR 12.",
  "Reply to a peer's message to answer that peer.",
  "/peers: who is here and their state",
  "/queue: messages waiting to be delivered",
  "/mute <peer>: stop pushing that peer's dialogs and failures here; /unmute <peer> to hear them again",
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

/**
 * `/mute ana`: ana's dialogs and failure reports are no longer pushed (its messages still come).
 * Kept in the bridge's own state, so a restart keeps it; `/mute` alone lists who is muted.
 */
async function mute(bridge: Bridge, args: string, on: boolean): Promise<string> {
  const muted = bridge.memory.muted;
  if (args === "") return muted.length === 0 ? "No peer is muted." : `Muted: ${muted.join(", ")}`;
  const name = validatePersonality(args.replace(/^@/, "").toLowerCase());
  if (!name.ok) return name.error;
  const peer = name.value;
  if (on) {
    if (muted.includes(peer)) return `${peer} is already muted.`;
    const peers = await bridge.daemon.peers();
    if (!peers.ok) return `The daemon did not answer: ${peers.error}`;
    if (!peers.value.some((r) => r.personality === peer)) return `There is no peer named ${peer}.`;
    bridge.memory.muted = [...muted, peer];
  } else {
    if (!muted.includes(peer)) return `${peer} is not muted.`;
    bridge.memory.muted = muted.filter((p) => p !== peer);
    // A dialog it has open now is pushed at once.
    bridge.lookAgain();
  }
  bridge.remember();
  bridge.log(on ? "peer-muted" : "peer-unmuted", { peer });
  return on
    ? `${peer} is muted: its dialogs and failures are no longer pushed here. /unmute ${peer} to hear them again.`
    : `${peer} is heard again.`;
}

/** The answer to a command, or why the daemon could not give it. */
export async function answerCommand(bridge: Bridge, name: string, args = ""): Promise<string> {
  switch (name) {
    case "mute":
      return mute(bridge, args, true);
    case "unmute":
      return mute(bridge, args, false);
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
