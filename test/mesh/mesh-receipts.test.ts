import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { MAIN } from "../helpers/cli";
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
});
