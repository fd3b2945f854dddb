import { expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { connect } from "@nats-io/transport-node";
import { Directory } from "../../src/mesh/directory";
import { issueToken } from "../../src/registry/tokens";
import type { Message } from "../../src/transport/messages";
import { runSource } from "../helpers/cli";
import { isFinal, meshHost, meshUp } from "../helpers/mesh-hosts";
import { startNats } from "../helpers/nats";
import { natsDescribe, natsTest } from "../helpers/needs";
import { freePort } from "../helpers/port";
import { until } from "../helpers/until";

natsDescribe("daemons on several hosts", () => {
  test("a send to ana@hostb is delivered there once, from human@hosta, and hosta learns it", async () => {
    const nats = await startNats();
    const a = await meshHost(nats.url, "hosta", ["bob"]);
    const b = await meshHost(nats.url, "hostb", ["ana"]);
    await Promise.all([meshUp(a), meshUp(b)]);
    const sent = runSource(["send", "ana@hostb", "-m", "across", "--json"], a.sb.env);
    const outcome = JSON.parse(sent.stdout);
    expect(outcome).toMatchObject({ ok: true, outcome: "delivered", woke: true });
    expect(sent.code).toBe(0);
    const got = b.received("ana");
    expect(got.map((e) => [e.id, e.from, e.body])).toEqual([[outcome.id, "human@hosta", "across"]]);
    expect(got[0]).toMatchObject({ runtime: "cli", intelligence: "natural" });
    const there = await a.message(outcome.id);
    expect(there).toMatchObject({ state: "delivered", recipient: "ana@hostb", toHost: "hostb" });
    expect(there.forwardedAt).toBeDefined();
    const here = await until(async () => {
      const m = await b.message(outcome.id);
      return m.receiptOutcome === "delivered" && m;
    }, "hostb's receipt sent");
    expect(here).toMatchObject({ sender: "human@hosta", recipient: "ana", fromHost: "hosta" });
    // A peer of hostb answers a peer of hosta, which it names with its host.
    const back = await b.send("bob@hosta", "and back", { from: "ana" });
    expect(back.outcome).toMatchObject({ outcome: "delivered" });
    expect(a.received("bob").map((e) => [e.from, e.runtime, e.body])).toEqual([
      ["ana@hostb", "echo", "and back"],
    ]);
    // Still once, a while later.
    await Bun.sleep(1500);
    expect(b.received("ana")).toHaveLength(1);
  });

  test("a bare name goes to this host's peer; ana@thishost is this host's; without a mesh, name@host is refused", async () => {
    const nats = await startNats();
    const a = await meshHost(nats.url, "hosta", ["ana"]);
    await meshUp(a);
    const bare = await a.send("ana", "bare");
    expect(bare.outcome.outcome).toBe("delivered");
    const own = await a.send("ana@hosta", "own host");
    expect(own.outcome.outcome).toBe("delivered");
    expect((await a.message(own.outcome.id as string)).recipient).toBe("ana");
    expect(a.received("ana").map((e) => e.body)).toEqual(["bare", "own host"]);
    const alone = runSource(["send", "ana@hostb", "-m", "x", "--json"], {
      HOME: a.sb.env.HOME as string,
      IAPEER_HOME: `${a.sb.env.IAPEER_HOME}-alone`,
    });
    expect(alone.code).toBe(1);
    expect(JSON.parse(alone.stdout).error).toContain(
      "this host is in no mesh: set IAPEER_NATS_URL",
    );
  });

  test("receipts for a peer hostb does not have, or has stopped, come back failed", async () => {
    const nats = await startNats();
    const a = await meshHost(nats.url, "hosta", []);
    const b = await meshHost(nats.url, "hostb", ["ana"]);
    await Promise.all([meshUp(a), meshUp(b)]);
    const none = await a.send("zed@hostb", "to no one");
    expect(none.outcome).toMatchObject({
      ok: false,
      outcome: "failed",
      error: "no peer named zed",
    });
    expect(runSource(["stop", "ana"], b.sb.env).code).toBe(0);
    const stopped = await a.send("ana@hostb", "to a stopped peer");
    expect(stopped.outcome).toMatchObject({ outcome: "failed", error: "peer ana is stopped" });
    const m = await a.message(stopped.outcome.id as string);
    expect(isFinal(m as Message)).toBe(true);
  });
});

natsTest(
  "MCP: a peer sends to ana@hostb with send_to_peer and is told it was delivered",
  async () => {
    const nats = await startNats();
    const port = await freePort();
    const a = await meshHost(nats.url, "hosta", ["bob"], {}, { IAPEER_PORT: String(port) });
    const b = await meshHost(nats.url, "hostb", ["ana"]);
    await Promise.all([meshUp(a), meshUp(b)]);
    const token = issueToken(a.sb.host().store, "bob");
    const client = new Client({ name: "test", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    try {
      const result = await client.callTool({
        name: "send_to_peer",
        arguments: { personality: "ana@hostb", message: "over MCP" },
      });
      expect(result.isError).toBeFalsy();
      const outcome = JSON.parse((result.content as { text: string }[])[0]?.text ?? "{}");
      expect(outcome).toMatchObject({ ok: true, outcome: "delivered" });
      expect(b.received("ana").map((e) => [e.from, e.runtime, e.intelligence, e.body])).toEqual([
        ["bob@hosta", "echo", "absent", "over MCP"],
      ]);
    } finally {
      await client.close();
    }
  },
);

natsDescribe("a bare name no peer of this host has", () => {
  test("goes to the one host the directory names; several is an error naming them; none is unknown", async () => {
    const nats = await startNats();
    const a = await meshHost(nats.url, "hosta", ["ana"]);
    const b = await meshHost(nats.url, "hostb", ["carl", "dup"]);
    await Promise.all([meshUp(a), meshUp(b)]);
    // What each host's directory sync would say of its peers.
    const nc = await connect({ servers: nats.url.replace("nats://", "") });
    try {
      const dir = await Directory.open(nc, { replicas: 1 });
      if (!dir.ok) throw new Error(dir.error);
      const entry = (host: string, personality: string) => ({
        host,
        personality,
        runtimes: ["echo"],
        state: "asleep",
        lastSeen: new Date().toISOString(),
      });
      for (const [h, p] of [
        ["hostb", "carl"],
        ["hostb", "dup"],
        ["hostc", "dup"],
        ["hostb", "ana"],
      ] as const)
        expect((await dir.value.put(entry(h, p))).ok).toBe(true);
    } finally {
      await nc.close();
    }
    const carl = await a.send("carl", "found in the directory");
    expect(carl.outcome).toMatchObject({ ok: true, outcome: "delivered" });
    expect((await a.message(carl.outcome.id as string)).recipient).toBe("carl@hostb");
    expect(b.received("carl").map((e) => [e.from, e.body])).toEqual([
      ["human@hosta", "found in the directory"],
    ]);
    const dup = await a.send("dup", "which one?");
    expect(dup).toMatchObject({ badInput: false, outcome: { ok: false, outcome: "failed" } });
    expect(dup.outcome.error).toBe(
      '"dup" names a peer on several hosts: say which (dup@hostb, dup@hostc)',
    );
    expect(dup.outcome.id).toBeUndefined();
    const zed = await a.send("zed", "no one");
    expect(zed.outcome.error).toBe("no peer named zed; see `iapeer list`");
    // This host's own peer wins over another host's of the same name.
    const ana = await a.send("ana", "mine");
    expect((await a.message(ana.outcome.id as string)).recipient).toBe("ana");
    expect(b.received("ana")).toEqual([]);
  });
});
