import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { MAIN, runSource } from "../helpers/cli";
import { type MeshHost, meshHost, meshUp } from "../helpers/mesh-hosts";
import { startNats } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";
import { until } from "../helpers/until";

/** An agent's hook on `h`, as claude's would post it to its daemon. */
async function hook(h: MeshHost, identity: string, payload: Record<string, unknown>) {
  const info = JSON.parse(readFileSync(h.sb.layout.daemonInfo, "utf8")) as { socket: string };
  const res = await fetch("http://localhost/v1/signals", {
    method: "POST",
    unix: info.socket,
    body: JSON.stringify({ identity, runtime: "claude", payload }),
    headers: { "content-type": "application/json" },
  });
  expect(res.status).toBe(200);
}

natsDescribe("receipts across hosts", () => {
  test("received and answered on hostb come back to hosta; send --wait answered there prints the reply", async () => {
    const nats = await startNats();
    const a = await meshHost(nats.url, "hosta", []);
    const b = await meshHost(nats.url, "hostb", ["ana"]);
    await Promise.all([meshUp(a), meshUp(b)]);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith("IAPEER_")) env[k] = v;
    const sending = Bun.spawn(
      [
        process.execPath,
        MAIN,
        "send",
        "ana@hostb",
        "-m",
        "what is 6 x 7?",
        "--wait",
        "answered",
        "--timeout",
        "60",
      ],
      { env: { ...env, NO_COLOR: "1", ...a.sb.env }, stdout: "pipe", stderr: "pipe" },
    );
    const got = await until(() => b.received("ana")[0], "ana on hostb to get it", 30_000);
    // ana's hooks: the prompt that carried it, then the turn's end with the reply.
    await hook(b, "echo-ana", {
      hook_event_name: "UserPromptSubmit",
      prompt: `<iapeer-message id="${got.id}">what is 6 x 7?</iapeer-message>`,
    });
    await hook(b, "echo-ana", { hook_event_name: "Stop", last_assistant_message: "42" });
    expect(await sending.exited).toBe(0);
    expect((await new Response(sending.stdout).text()).trim()).toBe("42");
    const there = await a.message(got.id as string);
    expect(there).toMatchObject({ state: "delivered", reply: "42" });
    expect(there.receivedAt).toBeDefined();
    expect(there.answeredAt).toBeDefined();
    // hostb told hosta each step once.
    await until(
      async () => (await b.message(got.id as string)).receiptOutcome === "delivered:answered",
      "the last receipt sent",
    );
  });

  test("hops go with a message across hosts: agents answering each other over the mesh stop at the limit", async () => {
    const nats = await startNats();
    const limit = { IAPEER_MAX_HOPS: "3" };
    const a = await meshHost(nats.url, "hosta", ["ping"], limit);
    const b = await meshHost(nats.url, "hostb", ["pong"], limit);
    await Promise.all([meshUp(a), meshUp(b)]);
    expect(runSource(["set", "ping", "reply=true"], a.sb.env).code).toBe(0);
    expect(runSource(["set", "pong", "reply=true"], b.sb.env).code).toBe(0);
    const opened = await a.send("pong@hostb", "round 1/30", { from: "ping", topic: "demo" });
    expect(opened.outcome.outcome).toBe("delivered");
    // Hops 0 to 3: pong gets rounds 1 and 3, ping 2 and 4; ping's round 5 would be hop 4.
    await until(
      () =>
        runSource(["events", "--json"], a.sb.env).stdout.includes('"ev":"loop-stopped"') ||
        undefined,
      "hosta to stop the conversation",
      60_000,
    );
    await until(
      () => (b.received("pong").length === 2 && a.received("ping").length === 2) || undefined,
      "rounds 1 to 4",
      30_000,
    );
    expect(b.received("pong").map((e) => e.body)).toEqual(["round 1/30", "round 3/30"]);
    expect(a.received("ping").map((e) => e.body)).toEqual(["round 2/30", "round 4/30"]);
    const last = a.received("ping")[1];
    expect((await a.message(last?.id as string)).hops).toBe(3);
  });
});
