import { afterEach, expect, test } from "bun:test";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { loadMeshConfig, type MeshConfig } from "../../src/core/mesh-config";
import { type LinkHandlers, MeshLink } from "../../src/mesh/link";
import type { Receipt } from "../../src/mesh/receipts";
import type { WireMessage } from "../../src/mesh/wire";
import { newMessageId } from "../../src/transport/messages";
import { NatsServer, startNats } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";
import { freePort } from "../helpers/port";
import { until } from "../helpers/until";

const links: MeshLink[] = [];
afterEach(async () => {
  for (const link of links.splice(0)) await link.stop();
});

function meshAt(url: string): MeshConfig {
  const r = loadMeshConfig({ IAPEER_NATS_URL: url });
  if (!r.ok || !r.value) throw new Error(r.ok ? "no mesh" : r.error);
  return r.value;
}

/** A link that records what it is handed and what it says. */
function recordingLink(url: string, host: string, more: Partial<LinkHandlers> = {}) {
  const messages: WireMessage[] = [];
  const receipts: Receipt[] = [];
  const events: string[] = [];
  const link = MeshLink.start(
    meshAt(url),
    host,
    {
      async onMessage(m) {
        messages.push(m);
      },
      async onReceipt(r) {
        receipts.push(r);
      },
      onEvent: (event, fields) => events.push(`${event} ${fields.error ?? ""}`.trim()),
      ...more,
    },
    { retryMs: 200 },
  );
  links.push(link);
  return { link, messages, receipts, events };
}

const message = (to: string, from = "mini2", more: Partial<WireMessage> = {}): WireMessage => ({
  v: 1,
  id: newMessageId(),
  from: { personality: "ana", host: from, runtime: "echo", intelligence: "absent" },
  to: { personality: "bob", host: to },
  body: "hello",
  attachments: [],
  createdAt: new Date().toISOString(),
  ...more,
});

const up = (link: MeshLink) => until(() => link.state() === "up", "the link up");

natsDescribe("a daemon's link to the mesh", () => {
  test("a message crosses from one host to the other, and its receipt comes back", async () => {
    const server = await startNats();
    const mini2 = recordingLink(server.url, "mini2");
    const linux = recordingLink(server.url, "linux");
    await Promise.all([up(mini2.link), up(linux.link)]);
    const m = message("linux");
    const sent = await mini2.link.publish(m);
    expect(sent.ok && sent.value.duplicate).toBe(false);
    await until(() => linux.messages.length > 0, "the message on linux");
    expect(linux.messages).toEqual([m]);
    const receipt: Receipt = {
      id: m.id,
      outcome: "delivered",
      host: "linux",
      at: new Date().toISOString(),
    };
    expect((await linux.link.receipt("mini2", receipt)).ok).toBe(true);
    await until(() => mini2.receipts.length > 0, "the receipt on mini2");
    expect(mini2.receipts).toEqual([receipt]);
    expect(mini2.messages).toEqual([]);
    expect(mini2.link.directory()).toBeDefined();
  });

  test("started before NATS: it keeps trying, publishing fails at once meanwhile, then it comes up", async () => {
    const [port, monitor] = [await freePort(), await freePort()];
    const later = new NatsServer("n1", port, monitor);
    const mini2 = recordingLink(later.url, "mini2");
    await until(() => mini2.events.length > 0, "the first failure said");
    expect(mini2.link.state()).toBe("connecting");
    const started = Date.now();
    const early = await mini2.link.publish(message("linux"));
    expect(early).toEqual({ ok: false, error: "the mesh is connecting" });
    expect(Date.now() - started).toBeLessThan(100);
    let ups = 0;
    mini2.link.onUp(() => ups++);
    await later.start();
    await up(mini2.link);
    expect(ups).toBe(1);
    expect((await mini2.link.publish(message("linux"))).ok).toBe(true);
    // The failure was said once, not at every retry.
    expect(mini2.events.filter((e) => e.startsWith("mesh-error"))).toHaveLength(1);
  });

  test("NATS gone and back: down meanwhile, then up again and taking messages", async () => {
    const server = await startNats();
    const mini2 = recordingLink(server.url, "mini2");
    const linux = recordingLink(server.url, "linux");
    await Promise.all([up(mini2.link), up(linux.link)]);
    let ups = 0;
    linux.link.onUp(() => ups++);
    const before = message("linux");
    expect((await mini2.link.publish(before)).ok).toBe(true);
    await until(() => linux.messages.length === 1, "the first message");
    await server.stop("SIGKILL");
    await until(() => mini2.link.state() === "down", "the link down");
    const started = Date.now();
    expect(await mini2.link.publish(message("linux"))).toEqual({
      ok: false,
      error: "the mesh is down",
    });
    expect(Date.now() - started).toBeLessThan(100);
    await server.start();
    await Promise.all([up(mini2.link), up(linux.link)]);
    expect(ups).toBe(1);
    const after = message("linux");
    expect((await mini2.link.publish(after)).ok).toBe(true);
    await until(() => linux.messages.length === 2, "the message sent after the outage");
    expect(linux.messages.map((m) => m.id)).toEqual([before.id, after.id]);
  });

  test("a message that expired before this host could take it goes back as failed", async () => {
    const server = await startNats();
    const mini2 = recordingLink(server.url, "mini2");
    await up(mini2.link);
    const old = message("linux", "mini2", {
      expiresAt: new Date(Date.now() - 1_000).toISOString(),
    });
    expect((await mini2.link.publish(old)).ok).toBe(true);
    const linux = recordingLink(server.url, "linux");
    await until(() => mini2.receipts.length > 0, "the failed receipt");
    expect(mini2.receipts[0]).toMatchObject({ id: old.id, outcome: "failed", host: "linux" });
    expect(mini2.receipts[0]?.error).toContain("expired at");
    expect(linux.messages).toEqual([]);
  });

  test("what no host could deliver is refused and said, never handed over", async () => {
    const server = await startNats();
    const linux = recordingLink(server.url, "linux");
    await up(linux.link);
    const nc = await connect({ servers: server.url });
    const js = jetstream(nc);
    await js.publish("iapeer.msg.linux.bob.mini2", "garbage", { msgID: "x-1" });
    // Valid, but on bob's subject while addressed to eve.
    const misfiled = message("linux", "mini2", { to: { personality: "eve", host: "linux" } });
    await js.publish("iapeer.msg.linux.bob.mini2", JSON.stringify(misfiled), {
      msgID: misfiled.id,
    });
    // Valid, but sent by studio in mini2's name.
    const forged = message("linux");
    await js.publish("iapeer.msg.linux.bob.studio", JSON.stringify(forged), { msgID: forged.id });
    const good = message("linux");
    await js.publish("iapeer.msg.linux.bob.mini2", JSON.stringify(good), { msgID: good.id });
    await nc.close();
    await until(() => linux.messages.length > 0, "the good one");
    expect(linux.messages.map((m) => m.id)).toEqual([good.id]);
    expect(linux.events.filter((e) => e.startsWith("mesh-refused"))).toEqual([
      "mesh-refused a message from another host is not JSON in UTF-8",
      "mesh-refused addressed to another peer",
      "mesh-refused sent by studio as mini2",
    ]);
  });

  test("stop ends it, even while NATS is away", async () => {
    const link = MeshLink.start(meshAt(`nats://127.0.0.1:${await freePort()}`), "mini2", {
      onMessage: async () => {},
      onReceipt: async () => {},
    });
    await Bun.sleep(100);
    const started = Date.now();
    await link.stop();
    expect(link.state()).toBe("stopped");
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
