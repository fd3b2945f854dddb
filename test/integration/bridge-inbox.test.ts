import { describe, expect, test } from "bun:test";
import { bridgeRoute } from "../../src/daemon/inbox-routes";
import type { Host } from "../../src/home/host";
import { createPeer } from "../../src/registry/create";
import { setStopped } from "../../src/registry/registry";
import { acceptMessage } from "../../src/transport/accept";
import { inboxStep } from "../../src/transport/inbox-step";
import { getMessage } from "../../src/transport/messages";
import { sandbox } from "../helpers/sandbox";

/** A bridge peer `bot` (built-in bridge), an echo peer `ana`, and a way to call the routes. */
function home() {
  const sb = sandbox();
  const host = sb.host();
  for (const [name, runtime] of [
    ["bot", "telegram"],
    ["ana", "echo"],
  ] as const) {
    const made = createPeer(host, { name, runtime });
    if (!made.ok) throw new Error(made.error);
  }
  const call = async (method: string, path: string, body?: unknown, peer?: string) => {
    const req = new Request(`http://localhost${path}`, {
      method,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const res = await bridgeRoute(req, new URL(req.url), host, peer);
    if (!res) throw new Error(`no route for ${method} ${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { sb, host, call };
}

function store(host: Host, body: string, from = "ana"): string {
  const a = acceptMessage(host, { from, to: "bot", body });
  if (!a.ok) throw new Error(JSON.stringify(a.outcome));
  return a.message.id;
}

describe("a bridge peer's inbox", () => {
  test("offers the queue's head until it is acknowledged, then the next, in order", async () => {
    const { host, call } = home();
    const first = store(host, "one");
    const second = store(host, "two", "human");
    const taken = await call("GET", "/v1/peers/bot/inbox");
    expect(taken.body.message).toMatchObject({
      id: first,
      from: "ana",
      runtime: "echo",
      intelligence: "absent",
      body: "one",
    });
    expect(getMessage(host.store, first)?.state).toBe("delivering");
    // Not acknowledged (the bridge died, or its answer was lost): offered again, not skipped.
    expect(((await call("GET", "/v1/peers/bot/inbox")).body.message as { id: string }).id).toBe(
      first,
    );
    expect(getMessage(host.store, first)?.attempts).toBe(1);
    expect(
      (await call("POST", `/v1/messages/${first}/ack`, { outcome: "delivered" })).body,
    ).toEqual({ ok: true, id: first, state: "delivered" });
    // A repeated ack is harmless; a different outcome for a finished message is refused.
    expect((await call("POST", `/v1/messages/${first}/ack`, { outcome: "delivered" })).status).toBe(
      200,
    );
    expect((await call("POST", `/v1/messages/${first}/ack`, { outcome: "failed" })).status).toBe(
      409,
    );
    const next = await call("GET", "/v1/peers/bot/inbox");
    expect(next.body.message).toMatchObject({ id: second, from: "human", runtime: "cli" });
    expect(
      (
        await call("POST", `/v1/messages/${second}/ack`, {
          outcome: "failed",
          error: "403 blocked",
        })
      ).body.state,
    ).toBe("failed");
    expect(getMessage(host.store, second)?.error).toBe("403 blocked");
    expect((await call("GET", "/v1/peers/bot/inbox")).body).toEqual({ message: null });
  });

  test("a held request answers as soon as a message arrives", async () => {
    const { host, call } = home();
    let answered = false;
    const waiting = call("GET", "/v1/peers/bot/inbox?wait=30").finally(() => {
      answered = true;
    });
    await Bun.sleep(300);
    expect(answered).toBe(false);
    const id = store(host, "late");
    const t = performance.now();
    expect(((await waiting).body.message as { id: string }).id).toBe(id);
    expect(performance.now() - t).toBeLessThan(5000);
  });

  test("only the peer itself (or the local user) may take or acknowledge its messages", async () => {
    const { host, call } = home();
    const id = store(host, "private");
    expect((await call("GET", "/v1/peers/bot/inbox", undefined, "ana")).status).toBe(403);
    expect(
      (await call("POST", `/v1/messages/${id}/ack`, { outcome: "delivered" }, "ana")).status,
    ).toBe(403);
    expect(getMessage(host.store, id)?.state).toBe("queued");
    expect(
      ((await call("GET", "/v1/peers/bot/inbox", undefined, "bot")).body.message as { id: string })
        .id,
    ).toBe(id);
    // A peer whose messages are typed in has no inbox to drain.
    expect((await call("GET", "/v1/peers/ana/inbox")).status).toBe(409);
    expect((await call("GET", "/v1/peers/bot/inbox?wait=999")).status).toBe(400);
    expect((await call("POST", `/v1/messages/${id}/ack`, { outcome: "maybe" })).status).toBe(400);
  });

  test("the delivery worker leaves an inbox peer's messages for its bridge, and others alone", async () => {
    const { host } = home();
    const id = store(host, "for the bridge");
    // Not an inbox peer: the usual delivery goes on.
    expect(await inboxStep(host, "ana")).toBeUndefined();
    host.store.write(() => setStopped(host.store, "bot", true));
    // Stopped with a message that was not kept for it: failed, as a typed peer's would be.
    expect(await inboxStep(host, "bot")).toBe("delivered-one");
    expect(getMessage(host.store, id)).toMatchObject({
      state: "failed",
      error: "peer bot is stopped",
    });
    expect(await inboxStep(host, "bot")).toBe("idle");
  });
});
