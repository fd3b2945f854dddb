/**
 * What an agent is doing, as its own signals (hooks, notify, transcript) or, failing those, its
 * screen tell it. Delivery types only into `idle`; `asking` is a dialog meant for a person.
 */
export const AGENT_STATES = [
  "starting",
  "idle",
  "busy",
  "asking",
  "limited",
  "errored",
  "exited",
] as const;
export type AgentStateName = (typeof AGENT_STATES)[number];

/**
 * Where a state came from: the agent's own record first, the screen as fallback; `tmux` is the
 * session's pane-died hook (the agent ended).
 */
export type SignalSource = "hook" | "notify" | "transcript" | "screen" | "tmux";

/** A dialog waiting for a person: what it asks and the options it offers, in order. */
export interface Dialog {
  question: string;
  options: string[];
  /** The tool that asked (claude: Bash, Write, AskUserQuestion…). */
  tool?: string;
}

/** One signal read from an agent, in the runtime's neutral terms. */
export interface AgentSignal {
  state: AgentStateName;
  /** The submitted prompt's text: the envelopes' ids in it are messages the agent received. */
  prompt?: string;
  /** The turn ended: answered with this reply, or failed with `error`. */
  turnEnded?: "answered" | "failed";
  reply?: string;
  error?: string;
  dialog?: Dialog;
  /** limited: when the agent said the limit resets. */
  resetAt?: string;
  /** The agent's own id for its conversation, and where it keeps its transcript. */
  agentSession?: string;
  transcript?: string;
}

/** The ids of iapeer's envelopes in a text (a prompt, a transcript line). */
export function messageIdsIn(text: string): string[] {
  return [...new Set(text.match(/\bm_[0-9a-z]{6,12}_[0-9a-f]{16}\b/g) ?? [])];
}
