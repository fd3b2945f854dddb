/** What a sender is told about a message. Field names are part of the contract (`send --json`). */
export type Outcome = "delivered" | "queued" | "unconfirmed" | "failed";

export interface SendOutcome {
  ok: boolean;
  /** The message's id; absent only when it was refused before it was stored. */
  id?: string;
  outcome: Outcome;
  /** Whether delivering it woke the recipient. */
  woke: boolean;
  error?: string;
  /** queued: why it waits (a dialog for a person, a draft, a limit, a turn running). */
  reason?: string;
  /** The agent's own record shows it received the message. */
  received?: boolean;
  /** The turn that handled it ended: its reply. */
  answered?: boolean;
  reply?: string;
}

export interface SendRequest {
  /** Sender: a peer's name, or the reserved CLI sender. */
  from: string;
  to: string;
  body: string;
  runtime?: string;
  topic?: string;
  attachments?: string[];
  /** Keep it for a stopped recipient until it is started, instead of refusing. */
  defer?: boolean;
  /**
   * The sender's own key for this message: a retried send with the same key (after a timeout or
   * a daemon restart) gets the first one's record instead of storing it twice.
   */
  key?: string;
}
