import { parseIdentity } from "../core/names";
import { type Host, nowOf } from "../home/host";
import { getAgentState, saveAgentState } from "../lifecycle/agent-states";
import { type AgentSignal, messageIdsIn, type SignalSource } from "../runtimes/agent-signal";
import { markAnswered, markReceived, markTurnFailed, messagesFor } from "./message-receipts";

/**
 * One signal from an agent applied: its state recorded with where it came from, the messages its
 * prompt carried marked received, and at a turn's end the same messages answered (with the
 * reply) or, for a failed turn, put back in the queue. Returns the recipient whose queue may move.
 */
export function applySignal(
  host: Host,
  identity: string,
  signal: AgentSignal,
  source: SignalSource,
): { personality: string; changed: boolean } | undefined {
  const who = parseIdentity(identity);
  if (!who.ok) return undefined;
  const personality = who.value.personality;
  const now = nowOf(host);
  return host.store.write(() => {
    const before = getAgentState(host.store, identity);
    const ours = messagesFor(host.store, personality, messageIdsIn(signal.prompt ?? "")).map(
      (m) => m.id,
    );
    // Codex notifies for its own side conversations (a thread's title) too: a turn of another
    // thread carrying none of our messages says nothing about the agent's own turn.
    if (
      source === "notify" &&
      ours.length === 0 &&
      before?.agentSession !== undefined &&
      signal.agentSession !== undefined &&
      signal.agentSession !== before.agentSession
    )
      return { personality, changed: false };
    let turn = before?.turn ?? [];
    let queued = before?.queued ?? [];
    const received: string[] = [];
    if (signal.prompt !== undefined) {
      // A prompt submitted while a turn runs waits in the agent's own queue (claude takes it
      // then, and runs it as a turn of its own afterwards); else it opens a new turn.
      const fresh = ours.filter((id) => !turn.includes(id) && !queued.includes(id));
      if (before?.state === "busy" && signal.turnEnded === undefined)
        queued = [...queued, ...fresh];
      else if (queued.length > 0 && ours.every((id) => queued.includes(id))) {
        // The queued turn starting, reported after all.
        turn = queued;
        queued = [];
      } else turn = ours;
      for (const id of ours) if (markReceived(host.store, id, now)) received.push(id);
    }
    const ended: { id: string; outcome: string }[] = [];
    if (signal.turnEnded === "answered") {
      for (const id of turn) {
        markAnswered(host.store, id, signal.reply ?? "", now);
        ended.push({ id, outcome: "answered" });
      }
      // What waited behind it is the next turn, which the agent starts at once.
      turn = queued;
      queued = [];
    } else if (signal.turnEnded === "failed") {
      for (const id of turn) {
        const outcome = markTurnFailed(
          host.store,
          id,
          signal.error ?? "the turn failed",
          host.config.turnRetries,
          now,
        );
        ended.push({ id, outcome: outcome === "requeued" ? "turn-failed" : "failed" });
      }
      turn = queued;
      queued = [];
    }
    const changed = saveAgentState(
      host.store,
      {
        identity,
        // A turn that waited in the agent's queue runs as soon as the last one ends.
        state: signal.turnEnded === "answered" && turn.length > 0 ? "busy" : signal.state,
        source,
        turn,
        ...(queued.length > 0 && { queued }),
        ...(signal.dialog && { dialog: signal.dialog }),
        ...(signal.error && { error: signal.error }),
        ...(signal.resetAt && { resetAt: signal.resetAt }),
        ...((signal.agentSession ?? before?.agentSession) && {
          agentSession: signal.agentSession ?? before?.agentSession,
        }),
        ...((signal.transcript ?? before?.transcript) && {
          transcript: signal.transcript ?? before?.transcript,
        }),
      },
      now,
    );
    if (changed)
      host.events.write("agent-state", {
        peer: personality,
        identity,
        state: signal.state,
        source,
        ...(signal.dialog && { question: signal.dialog.question }),
        ...(signal.error && { error: signal.error.slice(0, 300) }),
        ...(signal.resetAt && { reset_at: signal.resetAt }),
      });
    for (const id of received)
      host.deliveries.write("receipt", { id, to: personality, step: "received", source });
    for (const e of ended)
      host.deliveries.write("receipt", { id: e.id, to: personality, step: e.outcome, source });
    return { personality, changed };
  });
}
