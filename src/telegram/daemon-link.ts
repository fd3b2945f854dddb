import { fail, ok, type Result } from "../core/result";
import type { Approval } from "../lifecycle/approvals";
import type { PeerRuntimeState } from "../lifecycle/state";
import type { RuntimeSettings } from "../runtimes/types";
import type { InboxMessage } from "../transport/inbox";
import type { Message, RecipientCounts } from "../transport/messages";
import type { SendOutcome } from "../transport/types";

/** What the daemon keeps of the bridge peer: its telegram settings and its folder. */
export interface BridgeProfile {
  settings: RuntimeSettings;
  cwd: string;
}

/** How a tap on a dialog's button went: answered, or refused with the daemon's words. */
export type Answered = { ok: true; option: string } | { ok: false; error: string };

/**
 * The bridge's side of the daemon's unix socket. The socket is the local user's (mode 0600), so
 * the bridge acts as its own peer there, as `iapeer send --from` may.
 */
export class DaemonLink {
  constructor(
    private readonly socket: string,
    /** The bridge's own peer. */
    readonly peer: string,
  ) {}

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Result<{ status: number; body: T }>> {
    try {
      const res = await fetch(`http://localhost${path}`, {
        method,
        unix: this.socket,
        ...(body !== undefined && {
          body: JSON.stringify(body),
          headers: { "content-type": "application/json" },
        }),
      });
      return ok({ status: res.status, body: (await res.json()) as T });
    } catch (error) {
      return fail(`the daemon did not answer on ${this.socket}: ${(error as Error).message}`);
    }
  }

  /** This bridge peer's settings from its profile, and its folder (where its state is kept). */
  async profile(): Promise<Result<BridgeProfile>> {
    const r = await this.call<{
      cwd?: string;
      profile?: { settings: Record<string, RuntimeSettings> };
    }>("GET", `/v1/peers/${this.peer}`);
    if (!r.ok) return r;
    const { profile, cwd } = r.value.body;
    if (r.value.status !== 200 || !profile || cwd === undefined)
      return fail(`the daemon knows no peer ${this.peer}`);
    return ok({ settings: profile.settings.telegram ?? {}, cwd });
  }

  /** The next message for the chat, waiting up to `waitSecs` for one (null: none came). */
  async inbox(waitSecs: number): Promise<Result<InboxMessage | null>> {
    const r = await this.call<{ message?: InboxMessage | null; error?: string }>(
      "GET",
      `/v1/peers/${this.peer}/inbox?wait=${waitSecs}`,
    );
    if (!r.ok) return r;
    if (r.value.status !== 200) return fail(r.value.body.error ?? `inbox: ${r.value.status}`);
    return ok(r.value.body.message ?? null);
  }

  /** Passed on (or never can be); a message already finished counts as acknowledged. */
  async ack(id: string, outcome: "delivered" | "failed", error?: string): Promise<Result<void>> {
    const r = await this.call<{ error?: string }>("POST", `/v1/messages/${id}/ack`, {
      outcome,
      ...(error && { error }),
    });
    if (!r.ok) return r;
    if (r.value.status === 200 || r.value.status === 404 || r.value.status === 409)
      return ok(undefined);
    return fail(r.value.body.error ?? `ack: ${r.value.status}`);
  }

  /** Send as this bridge's peer; `key` makes a repeat of the same chat message harmless. */
  async send(to: string, body: string, key: string): Promise<Result<SendOutcome>> {
    const r = await this.call<{ outcome?: SendOutcome; error?: string }>("POST", "/v1/send", {
      from: this.peer,
      to,
      body,
      key,
      wait: false,
    });
    if (!r.ok) return r;
    const outcome = r.value.body.outcome;
    return outcome ? ok(outcome) : fail(r.value.body.error ?? `send: ${r.value.status}`);
  }

  async peers(): Promise<Result<PeerRuntimeState[]>> {
    const r = await this.call<PeerRuntimeState[]>("GET", "/v1/peers");
    return r.ok ? ok(r.value.body) : r;
  }

  async queue(): Promise<Result<RecipientCounts[]>> {
    const r = await this.call<RecipientCounts[]>("GET", "/v1/queue");
    return r.ok ? ok(r.value.body) : r;
  }

  /** The dialogs waiting for a person in every live session (their screens looked at now). */
  async approvals(): Promise<Result<Approval[]>> {
    const r = await this.call<Approval[] | { error?: string }>("GET", "/v1/approvals");
    if (!r.ok) return r;
    return Array.isArray(r.value.body)
      ? ok(r.value.body)
      : fail(r.value.body.error ?? `approvals: ${r.value.status}`);
  }

  /**
   * Answer a peer's dialog as `iapeer approve` / `deny` do: `option` approves with that option,
   * `"yes"`/`"no"` alone (a dialog whose options are unknown) approves or denies.
   */
  async answer(
    peer: string,
    runtime: string,
    how: { option: string } | { approve: boolean },
  ): Promise<Result<Answered>> {
    const deny = "approve" in how && !how.approve;
    const r = await this.call<{ ok?: boolean; option?: string; error?: string }>(
      "POST",
      `/v1/peers/${encodeURIComponent(peer)}/${deny ? "deny" : "approve"}`,
      { runtime, ...("option" in how && { option: how.option }) },
    );
    if (!r.ok) return r;
    const body = r.value.body;
    if (r.value.status === 200 && body.ok) return ok({ ok: true, option: body.option ?? "" });
    if (r.value.status === 409 || r.value.status === 404 || r.value.status === 400)
      return ok({ ok: false, error: body.error ?? `${r.value.status}` });
    return fail(body.error ?? `answer: ${r.value.status}`);
  }

  /** One message with its receipts; undefined when the daemon has none by that id. */
  async message(id: string): Promise<Result<Message | undefined>> {
    const r = await this.call<Message>("GET", `/v1/messages/${encodeURIComponent(id)}`);
    if (!r.ok) return r;
    if (r.value.status === 404) return ok(undefined);
    return r.value.status === 200 ? ok(r.value.body) : fail(`message: ${r.value.status}`);
  }

  /**
   * The daemon's event stream from after `since` (`latest`: only what happens from now on), as
   * the raw response for the caller to read; it ends when the daemon goes or `stop` aborts.
   */
  async events(since: number | "latest", stop: AbortSignal): Promise<Result<Response>> {
    try {
      const res = await fetch(`http://localhost/v1/events?since=${since}`, {
        unix: this.socket,
        signal: stop,
      });
      return res.ok && res.body ? ok(res) : fail(`events: ${res.status}`);
    } catch (error) {
      return fail(`the daemon did not answer on ${this.socket}: ${(error as Error).message}`);
    }
  }
}
