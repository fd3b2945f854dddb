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
    let turn = before?.turn ?? [];
    const received: string[] = [];
    if (signal.prompt !== undefined) {
      // A new prompt opens a new turn; messages typed during the last one join it.
      const ids = messagesFor(host.store, personality, messageIdsIn(signal.prompt)).map(
        (m) => m.id,
      );
      turn = signal.state === "busy" && before?.state === "busy" ? [...turn, ...ids] : ids;
      for (const id of ids) if (markReceived(host.store, id, now)) received.push(id);
    }
    const ended: { id: string; outcome: string }[] = [];
    if (signal.turnEnded === "answered") {
      for (const id of turn) {
        markAnswered(host.store, id, signal.reply ?? "", now);
        ended.push({ id, outcome: "answered" });
      }
      turn = [];
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
      turn = [];
    }
    const changed = saveAgentState(
      host.store,
      {
        identity,
        state: signal.state,
        source,
        turn,
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
