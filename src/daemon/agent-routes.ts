import { validatePersonality } from "../core/names";
import { nowOf } from "../home/host";
import { answerDialog, listApprovals } from "../lifecycle/approvals";
import { adapterFor } from "../runtimes/registry";
import { announceAsking } from "../transport/asking-notice";
import { applySignal } from "../transport/signals";
import type { ApiContext } from "./api";

/**
 * What agents tell the daemon about themselves (their hooks, over the unix socket), and the
 * dialogs that wait for a person: listed, approved or denied, by the local user only.
 */

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export async function agentRoute(
  req: Request,
  url: URL,
  ctx: ApiContext,
  local: boolean,
): Promise<Response | undefined> {
  const path = url.pathname;
  const { host, dispatcher } = ctx;
  if (req.method === "POST" && path === "/v1/signals") {
    if (!local) return json(403, { error: "signals come over the unix socket only" });
    const body = (await req.json().catch(() => undefined)) as
      | { identity?: unknown; runtime?: unknown; payload?: unknown }
      | undefined;
    if (typeof body?.identity !== "string" || typeof body.runtime !== "string")
      return json(400, { error: "a signal needs identity, runtime and payload" });
    const adapter = adapterFor(body.runtime);
    const signal = adapter.ok ? adapter.value.signals?.read(body.payload, nowOf(host)) : undefined;
    if (!signal) return json(200, { ok: true, ignored: true });
    const source = body.runtime === "codex" ? "notify" : "hook";
    const applied = applySignal(host, body.identity, signal, source);
    if (applied) void dispatcher.kick(applied.personality);
    if (applied?.changed && signal.state === "asking" && signal.dialog) {
      const told = announceAsking(host, applied.personality, signal.dialog);
      if (told) void dispatcher.kick(told);
    }
    return json(200, { ok: true, state: signal.state });
  }
  if (req.method === "GET" && path === "/v1/approvals") {
    if (!local) return json(403, { error: "only the local user sees the dialogs waiting" });
    return json(200, await listApprovals(host));
  }
  const answer = /^\/v1\/peers\/([^/]+)\/(approve|deny)$/.exec(path);
  if (req.method === "POST" && answer) {
    if (!local) return json(403, { error: "only the local user answers a dialog; a peer never" });
    const name = validatePersonality(decodeURIComponent(answer[1] as string));
    if (!name.ok) return json(400, { error: name.error });
    const body = (await req.json().catch(() => ({}))) as { option?: unknown; runtime?: unknown };
    const option = typeof body.option === "string" ? body.option : undefined;
    const runtime = typeof body.runtime === "string" ? body.runtime : undefined;
    const done = await answerDialog(
      host,
      name.value,
      answer[2] === "approve"
        ? { approve: true, ...(option !== undefined && { option }) }
        : { approve: false },
      runtime,
    );
    if (!done.ok) return json(409, { ok: false, error: done.error });
    void dispatcher.kick(name.value);
    return json(200, done);
  }
  return undefined;
}
