import { fail, ok, type Result } from "../core/result";
import type { PeerRuntimeState } from "../lifecycle/state";
import type { RuntimeSettings } from "../runtimes/types";
import type { InboxMessage } from "../transport/inbox";
import type { RecipientCounts } from "../transport/messages";
import type { SendOutcome } from "../transport/types";

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

  /** This bridge peer's settings from its profile. */
  async settings(): Promise<Result<RuntimeSettings>> {
    const r = await this.call<{ profile?: { settings: Record<string, RuntimeSettings> } }>(
      "GET",
      `/v1/peers/${this.peer}`,
    );
    if (!r.ok) return r;
    const profile = r.value.body.profile;
    if (r.value.status !== 200 || !profile) return fail(`the daemon knows no peer ${this.peer}`);
    return ok(profile.settings.telegram ?? {});
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
}
