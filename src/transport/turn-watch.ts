import { parseIdentity } from "../core/names";
import { type Host, nowOf } from "../home/host";
import { listAgentStates, saveAgentState } from "../lifecycle/agent-states";
import { getSession } from "../lifecycle/sessions";
import { isLive } from "../lifecycle/wake";
import { adapterFor } from "../runtimes/registry";
import { stripAnsi } from "../runtimes/screen";
import { Tmux } from "../tmux/client";
import { markTurnFailed, unreceivedSince } from "./message-receipts";

/** A turn is looked at once it has run this long. */
const SETTLE_MS = 1000;

/**
 * Turns that a runtime's own signals never say failed (codex notifies only turns that completed):
 * a session busy since a message was typed in, whose screen no longer shows the turn running and
 * shows an error after that message, had its turn fail. The messages typed in since then go back
 * to the queue (at most IAPEER_TURN_RETRIES times), never `answered`. Returns the recipients whose
 * queues may move.
 */
export async function watchTurns(host: Host): Promise<string[]> {
  const moved: string[] = [];
  const now = nowOf(host);
  for (const state of listAgentStates(host.store)) {
    if (state.state !== "busy" || state.source !== "screen") continue;
    if (now.getTime() - Date.parse(state.updatedAt) < SETTLE_MS) continue;
    const who = parseIdentity(state.identity);
    if (!who.ok) continue;
    const adapter = adapterFor(who.value.runtime);
    if (!adapter.ok || !adapter.value.turnFailedOnScreen) continue;
    const session = getSession(host.store, state.identity);
    if (!isLive(session)) continue;
    const screen = await new Tmux(session.socket).capturePane(state.identity);
    if (!screen.ok) continue;
    const plain = stripAnsi(screen.stdout);
    if (adapter.value.busyOnScreen?.(plain)) continue;
    const words = adapter.value.turnFailedOnScreen(plain);
    if (!words) continue;
    const personality = who.value.personality;
    host.store.write(() => {
      for (const m of unreceivedSince(host.store, personality, state.since)) {
        const outcome = markTurnFailed(host.store, m.id, words, host.config.turnRetries, now);
        host.deliveries.write("receipt", {
          id: m.id,
          to: personality,
          step: outcome === "requeued" ? "turn-failed" : "failed",
          source: "screen",
        });
      }
      saveAgentState(
        host.store,
        {
          identity: state.identity,
          state: "errored",
          source: "screen",
          error: words,
          turn: [],
          ...(state.agentSession && { agentSession: state.agentSession }),
          ...(state.transcript && { transcript: state.transcript }),
        },
        now,
      );
      host.events.write("agent-state", {
        peer: personality,
        identity: state.identity,
        state: "errored",
        source: "screen",
        error: words.slice(0, 300),
      });
    });
    moved.push(personality);
  }
  return moved;
}
