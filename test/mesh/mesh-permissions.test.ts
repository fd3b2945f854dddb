import { afterEach, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { loadMeshConfig, type MeshConfig } from "../../src/core/mesh-config";
import { connectMesh } from "../../src/mesh/connect";
import { Directory } from "../../src/mesh/directory";
import { openInbox } from "../../src/mesh/inbox";
import { MeshLink } from "../../src/mesh/link";
import { accountsConfig, hostPermissions } from "../../src/mesh/permissions";
import { publishMessage } from "../../src/mesh/publish";
import { publishReceipt, type Receipt } from "../../src/mesh/receipts";
import type { WireMessage } from "../../src/mesh/wire";
import { newMessageId } from "../../src/transport/messages";
import { type NatsServer, startNats } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";
import { readmeNatsConf, readmeNatsServer } from "../helpers/readme-nats";
import { tempDir } from "../helpers/temp";
import { until } from "../helpers/until";

const HOSTS = ["mini2", "linux"];
const open: NatsConnection[] = [];
const links: MeshLink[] = [];
afterEach(async () => {
  for (const link of links.splice(0)) await link.stop();
  for (const nc of open.splice(0)) if (!nc.isClosed()) await nc.close();
});

/** A server with the documented accounts: one user per host, password `<host>-pw`. */
async function securedServer(): Promise<NatsServer> {
  const conf = join(tempDir(), "nats.conf");
  writeFileSync(conf, accountsConfig(HOSTS.map((host) => ({ host, password: `${host}-pw` }))));
  return startNats(["--config", conf]);
}

function meshAs(server: NatsServer, host: string, tls?: { ca: string }): MeshConfig {
  const r = loadMeshConfig({
    IAPEER_NATS_URL: tls ? `tls://127.0.0.1:${server.port}` : server.url,
    IAPEER_NATS_USER: host,
    IAPEER_NATS_PASSWORD: `${host}-pw`,
    ...(tls && { IAPEER_NATS_CA: tls.ca }),
  });
  if (!r.ok || !r.value) throw new Error(r.ok ? "no mesh" : r.error);
  return r.value;
}

async function connectAs(server: NatsServer, host: string): Promise<NatsConnection> {
  const nc = await connectMesh(meshAs(server, host), host);
  if (!nc.ok) throw new Error(nc.error);
  open.push(nc.value);
  return nc.value;
}

function linkAs(server: NatsServer, host: string, tls?: { ca: string }) {
  const messages: WireMessage[] = [];
  const receipts: Receipt[] = [];
  const errors: string[] = [];
  const link = MeshLink.start(
    meshAs(server, host, tls),
    host,
    {
      onMessage: async (m) => void messages.push(m),
      onReceipt: async (r) => void receipts.push(r),
      onEvent: (event, fields) => {
        if (event !== "mesh-up") errors.push(`${event}: ${fields.error ?? ""}`);
      },
    },
    { retryMs: 200 },
  );
  links.push(link);
  return { link, messages, receipts, errors };
}

/** The subjects the server refused, per its log. */
const refusedSubjects = (server: NatsServer) =>
  readFileSync(server.logFile, "utf8")
    .split("\n")
    .filter((l) => l.includes("Publish Violation"))
    .map((l) => /Subject "([^"]+)"/.exec(l)?.[1]);

natsDescribe("the documented server permissions", () => {
  test("two hosts work through their own users: message, receipt, directory", async () => {
    const server = await securedServer();
    const mini2 = linkAs(server, "mini2");
    const linux = linkAs(server, "linux");
    await until(() => mini2.link.state() === "up" && linux.link.state() === "up", "both up");
    const m: WireMessage = {
      v: 1,
      id: newMessageId(),
      from: { personality: "ana", host: "mini2", runtime: "echo", intelligence: "absent" },
      to: { personality: "bob", host: "linux" },
      body: "hello",
      attachments: [],
      createdAt: new Date().toISOString(),
    };
    expect((await mini2.link.publish(m)).ok).toBe(true);
    await until(() => linux.messages.length > 0, "the message on linux");
    const receipt: Receipt = { id: m.id, outcome: "delivered", host: "linux", at: m.createdAt };
    expect((await linux.link.receipt("mini2", receipt)).ok).toBe(true);
    await until(() => mini2.receipts.length > 0, "the receipt on mini2");
    const entry = { runtimes: ["echo"], state: "warm", lastSeen: m.createdAt };
    expect(
      await mini2.link.directory()?.put({ ...entry, host: "mini2", personality: "ana" }),
    ).toEqual({
      ok: true,
      value: undefined,
    });
    await linux.link.directory()?.put({ ...entry, host: "linux", personality: "bob" });
    const listing = await linux.link.directory()?.list();
    expect(listing?.ok && listing.value.entries.map((e) => `${e.personality}@${e.host}`)).toEqual([
      "bob@linux",
      "ana@mini2",
    ]);
    expect(mini2.errors).toEqual([]);
    expect(linux.errors).toEqual([]);
    expect(refusedSubjects(server)).toEqual([]);
  });

  test("a host cannot report receipts, write directory entries or take messages as another", async () => {
    const server = await securedServer();
    // mini2 sets the mesh up as a daemon would.
    const mini2 = linkAs(server, "mini2");
    await until(() => mini2.link.state() === "up", "mini2 up");
    const nc = await connectAs(server, "mini2");

    const forged: Receipt = {
      id: "m_1_0123456789abcdef",
      outcome: "delivered",
      host: "linux",
      at: "2026-11-25T12:00:00.000Z",
    };
    const receipt = await publishReceipt(nc, "studio", forged, 1_000);
    expect(receipt.ok).toBe(false);

    const dir = await Directory.open(nc);
    if (!dir.ok) throw new Error(dir.error);
    const entry = { runtimes: ["echo"], state: "warm", lastSeen: forged.at };
    expect((await dir.value.put({ ...entry, host: "linux", personality: "bob" })).ok).toBe(false);

    const inbox = await openInbox(nc, "linux", async () => {});
    expect(inbox.ok).toBe(false);

    // Sending to any peer is allowed, but not to made-up subjects.
    const to = { host: "linux", personality: "bob" };
    expect((await publishMessage(nc, "mini2", to, "m_2_0123456789abcdef", "x")).ok).toBe(true);
    // …and only as itself.
    expect((await publishMessage(nc, "studio", to, "m_3_0123456789abcdef", "x", 1_000)).ok).toBe(
      false,
    );
    const stray = await jetstream(nc)
      .publish("iapeer.other", "x", { timeout: 1_000 })
      .then(
        () => "published",
        () => "refused",
      );
    expect(stray).toBe("refused");
    expect(refusedSubjects(server)).toEqual([
      "iapeer.receipt.studio.linux",
      "$KV.iapeer-directory.linux.bob",
      "$JS.API.CONSUMER.INFO.IAPEER.inbox-linux",
      "iapeer.msg.linux.bob.studio",
      "iapeer.other",
    ]);
  });

  test("the README's server configuration, a user copied per host as it says, over TLS", async () => {
    // The README lists what the code's permissions are, no more, no less.
    const listed = [...readmeNatsConf().matchAll(/^ {10}"([^"]+)"$/gm)].map((m) => m[1]);
    expect(listed).toEqual(hostPermissions("mini2").publish.allow);
    const { server, ca } = await readmeNatsServer(HOSTS);
    const tls = { ca };
    const mini2 = linkAs(server, "mini2", tls);
    const linux = linkAs(server, "linux", tls);
    await until(() => mini2.link.state() === "up" && linux.link.state() === "up", "both up");
    const m: WireMessage = {
      v: 1,
      id: newMessageId(),
      from: { personality: "ana", host: "mini2", runtime: "echo", intelligence: "absent" },
      to: { personality: "bob", host: "linux" },
      body: "over TLS",
      attachments: [],
      createdAt: new Date().toISOString(),
    };
    expect((await mini2.link.publish(m)).ok).toBe(true);
    await until(() => linux.messages.length > 0, "the message on linux");
    const receipt: Receipt = { id: m.id, outcome: "delivered", host: "linux", at: m.createdAt };
    expect((await linux.link.receipt("mini2", receipt)).ok).toBe(true);
    await until(() => mini2.receipts.length > 0, "the receipt on mini2");
    expect(refusedSubjects(server)).toEqual([]);
    // Plaintext is refused by this server.
    const plain = await connectMesh(meshAs(server, "mini2"), "mini2", { timeoutMs: 2_000 });
    if (plain.ok) open.push(plain.value);
    expect(plain.ok).toBe(false);
  });
});
