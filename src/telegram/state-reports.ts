import { parseIdentity } from "../core/names";
import type { StoredEvent } from "../store/journal";
import { say } from "./chat-calls";
import type { Bridge } from "./context";

/**
 * A peer that hits a limit or whose turn fails is reported to the chats once per episode, not
 * once per retry: the daemon types a failed turn's message again (IAPEER_TURN_RETRIES), and each
 * retry that fails says `errored` anew. An episode ends when the agent is seen well again: at its
 * input (`idle`), a turn answered, or its session starting afresh or ending.
 */

const FAILING = new Set(["limited", "errored"]);
const WELL = new Set(["idle", "starting", "exited"]);
const ERROR_LIMIT = 300;

/** The chat's words for a failure state; pure. */
export function stateReport(peer: string, state: string, error?: string, resetAt?: string): string {
  const why = error ? `: ${[...error].slice(0, ERROR_LIMIT).join("")}` : "";
  if (state === "limited") {
    const until = resetAt
      ? ` until ${resetAt.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC")}`
      : "";
    return `${peer} is rate-limited${until}${why}`;
  }
  return `${peer}'s turn failed${why}`;
}

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** An `agent-state` event: a failure reported if it is new in its episode, or an episode ended. */
export async function onAgentState(bridge: Bridge, e: StoredEvent): Promise<void> {
  const identity = text(e.identity);
  const peer = text(e.peer);
  const state = text(e.state);
  if (!identity || !peer || !state) return;
  const reported = bridge.memory.reported;
  if (WELL.has(state)) return endEpisode(bridge, identity);
  if (!FAILING.has(state)) return;
  if (reported[identity]?.includes(state)) {
    bridge.log("state-already-reported", { peer, identity, state });
    return;
  }
  reported[identity] = [...(reported[identity] ?? []), state];
  bridge.remember();
  if (bridge.memory.muted.includes(peer)) {
    bridge.log("state-muted", { peer, identity, state });
    return;
  }
  const words = stateReport(peer, state, text(e.error), text(e.reset_at));
  for (const chat of bridge.settings.chats) await say(bridge, chat, words);
  bridge.log("state-reported", { peer, identity, state });
}

/** A message a peer answered: its agent is well again, in whichever of its sessions failed. */
export function onAnswered(bridge: Bridge, peer: string): void {
  for (const identity of Object.keys(bridge.memory.reported)) {
    const who = parseIdentity(identity);
    if (who.ok && who.value.personality === peer) endEpisode(bridge, identity);
  }
}

function endEpisode(bridge: Bridge, identity: string): void {
  if (!Object.hasOwn(bridge.memory.reported, identity)) return;
  delete bridge.memory.reported[identity];
  bridge.remember();
}
