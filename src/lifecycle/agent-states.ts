import { type Host, nowOf } from "../home/host";
import type { AgentStateName, Dialog, SignalSource } from "../runtimes/agent-signal";
import type { Store } from "../store/db";

/** What one session's agent is doing, where that was learnt, and since when. */
export interface AgentState {
  identity: string;
  state: AgentStateName;
  source: SignalSource;
  since: string;
  updatedAt: string;
  dialog?: Dialog;
  error?: string;
  resetAt?: string;
  /** Messages the agent received in the turn that runs now. */
  turn: string[];
  /** Messages it took while that turn ran, queued for the turns after it. */
  queued?: string[];
  agentSession?: string;
  transcript?: string;
}

interface Row {
  identity: string;
  state: string;
  source: string;
  since: string;
  detail: string | null;
  turn: string;
  agent_session: string | null;
  transcript: string | null;
  updated_at: string;
}

interface Detail {
  dialog?: Dialog;
  error?: string;
  resetAt?: string;
}

function fromRow(r: Row): AgentState {
  const detail = (r.detail ? JSON.parse(r.detail) : {}) as Detail;
  return {
    identity: r.identity,
    state: r.state as AgentStateName,
    source: r.source as SignalSource,
    since: r.since,
    updatedAt: r.updated_at,
    ...(detail.dialog && { dialog: detail.dialog }),
    ...(detail.error && { error: detail.error }),
    ...(detail.resetAt && { resetAt: detail.resetAt }),
    ...turnsOf(r.turn),
    ...(r.agent_session !== null && { agentSession: r.agent_session }),
    ...(r.transcript !== null && { transcript: r.transcript }),
  };
}

/** The turn column: the current turn's ids, or those and the ones queued behind it. */
function turnsOf(text: string): { turn: string[]; queued?: string[] } {
  const parsed = JSON.parse(text) as string[] | { turn: string[]; queued: string[] };
  if (Array.isArray(parsed)) return { turn: parsed };
  return { turn: parsed.turn, ...(parsed.queued.length > 0 && { queued: parsed.queued }) };
}

const SELECT =
  "SELECT identity, state, source, since, detail, turn, agent_session, transcript, updated_at FROM agent_states";

export function getAgentState(store: Store, identity: string): AgentState | undefined {
  const row = store.db.query(`${SELECT} WHERE identity = ?`).get(identity) as Row | null;
  return row ? fromRow(row) : undefined;
}

export function listAgentStates(store: Store): AgentState[] {
  return (store.db.query(`${SELECT} ORDER BY identity`).all() as Row[]).map(fromRow);
}

/**
 * Record a state; `since` moves only when the state changes. Returns whether it changed. A
 * screen's look never overrides what the agent's own signals said since (`after`).
 */
export function saveAgentState(
  store: Store,
  next: Omit<AgentState, "since" | "updatedAt">,
  now: Date,
): boolean {
  const before = getAgentState(store, next.identity);
  const changed = before?.state !== next.state;
  const detail: Detail = {
    ...(next.dialog && { dialog: next.dialog }),
    ...(next.error && { error: next.error }),
    ...(next.resetAt && { resetAt: next.resetAt }),
  };
  const at = now.toISOString();
  store.db
    .query(
      `INSERT INTO agent_states (identity, state, source, since, detail, turn, agent_session, transcript, updated_at)
       VALUES ($identity, $state, $source, $since, $detail, $turn, $session, $transcript, $at)
       ON CONFLICT(identity) DO UPDATE SET state = excluded.state, source = excluded.source,
         since = excluded.since, detail = excluded.detail, turn = excluded.turn,
         agent_session = excluded.agent_session, transcript = excluded.transcript,
         updated_at = excluded.updated_at`,
    )
    .run({
      identity: next.identity,
      state: next.state,
      source: next.source,
      since: changed || !before ? at : before.since,
      detail: Object.keys(detail).length > 0 ? JSON.stringify(detail) : null,
      turn: JSON.stringify(
        next.queued && next.queued.length > 0
          ? { turn: next.turn, queued: next.queued }
          : next.turn,
      ),
      session: next.agentSession ?? null,
      transcript: next.transcript ?? null,
      at,
    });
  return changed;
}

/** A session that starts afresh starts with no state but `starting`. */
export function resetAgentState(store: Store, identity: string, now: Date): void {
  const before = getAgentState(store, identity);
  saveAgentState(
    store,
    {
      identity,
      state: "starting",
      source: "screen",
      turn: [],
      ...(before?.transcript && { transcript: before.transcript }),
    },
    now,
  );
}

/** What a screen shows of an agent without signals of its own: at its input again. */
export function markIdleOnScreen(host: Host, identity: string): void {
  const now = nowOf(host);
  const before = getAgentState(host.store, identity);
  if (before?.state === "idle") return;
  host.store.write(() =>
    saveAgentState(
      host.store,
      {
        identity,
        state: "idle",
        source: "screen",
        turn: [],
        ...(before?.transcript && { transcript: before.transcript }),
      },
      now,
    ),
  );
}
