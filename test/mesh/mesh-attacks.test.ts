import { afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { headers, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { loadMeshConfig, type MeshConfig } from "../../src/core/mesh-config";
import { connectMesh } from "../../src/mesh/connect";
import { Directory } from "../../src/mesh/directory";
import { MeshLink } from "../../src/mesh/link";
import { accountsConfig } from "../../src/mesh/permissions";
import { publishMessage } from "../../src/mesh/publish";
import { publishReceipt } from "../../src/mesh/receipts";
import { ensureStream, streamConfig } from "../../src/mesh/stream";
import { hostMessages, inboxConsumer } from "../../src/mesh/subjects";
import type { WireMessage } from "../../src/mesh/wire";
import { newMessageId } from "../../src/transport/messages";
import { runSource } from "../helpers/cli";
import { type NatsServer, startNats } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";
import { readmeNatsServer } from "../helpers/readme-nats";
import { tempDir } from "../helpers/temp";
import { until } from "../helpers/until";

/**
 * Host mini2 attacks host linux's messages under README's exact server configuration, every way
 * the JetStream API offers: each attempt is refused, and a private message studio sends to
 * bob@linux reaches linux and nobody else.
 */

const open: NatsConnection[] = [];
const links: MeshLink[] = [];
afterEach(async () => {
  for (const link of links.splice(0)) await link.stop();
  for (const nc of open.splice(0)) if (!nc.isClosed()) await nc.close();
});

function meshAs(server: NatsServer, host: string, ca?: string): MeshConfig {
  const r = loadMeshConfig({
    IAPEER_NATS_URL: ca ? `tls://127.0.0.1:${server.port}` : server.url,
    ...(ca && { IAPEER_NATS_USER: host, IAPEER_NATS_PASSWORD: `${host}-pw`, IAPEER_NATS_CA: ca }),
  });
  if (!r.ok || !r.value) throw new Error(r.ok ? "no mesh" : r.error);
  return r.value;
}

function linkAs(server: NatsServer, host: string, ca?: string) {
  const messages: WireMessage[] = [];
  const events: string[] = [];
  const link = MeshLink.start(
    meshAs(server, host, ca),
    host,
    {
      onMessage: async (m) => void messages.push(m),
      onReceipt: async () => {},
      onEvent: (event, fields) => events.push(`${event} ${JSON.stringify(fields)}`),
    },
    { retryMs: 200 },
  );
  links.push(link);
  return { link, messages, events };
}

async function connectAs(server: NatsServer, host: string, ca?: string): Promise<NatsConnection> {
  const nc = await connectMesh(meshAs(server, host, ca), host);
  if (!nc.ok) throw new Error(nc.error);
  open.push(nc.value);
  return nc.value;
}

/** A JetStream API request: `accepted` only when the server answered without an error. */
async function attempt(nc: NatsConnection, subject: string, body: unknown): Promise<string> {
  try {
    const reply = await nc.request(subject, JSON.stringify(body), { timeout: 1_500 });
    const answer = JSON.parse(new TextDecoder().decode(reply.data)) as {
      error?: { description: string };
    };
    return answer.error ? `refused by JetStream: ${answer.error.description}` : "accepted";
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  }
}

/** Subscribe, and after a round trip say whether the server cut the subscription off. */
async function listen(
  nc: NatsConnection,
  subject: string,
): Promise<{ sub: Subscription; refused: () => boolean }> {
  let refused = false;
  const sub = nc.subscribe(subject);
  void sub.closed.then(
    (e) => {
      if (e) refused = true;
    },
    () => {
      refused = true;
    },
  );
  return { sub, refused: () => refused };
}

const consumerOf = (host: string) => ({
  durable_name: inboxConsumer(host),
  ack_policy: "explicit",
  deliver_policy: "all",
});

natsDescribe("a host attacking another's messages under README's configuration", () => {
  test("every JetStream way to read, take or redirect linux's messages is refused", async () => {
    const hosts = ["mini2", "linux", "studio"];
    const { server, ca } = await readmeNatsServer(hosts);
    const linux = linkAs(server, "linux", ca);
    const mini2 = linkAs(server, "mini2", ca);
    const studio = linkAs(server, "studio", ca);
    await until(
      () => [linux, mini2, studio].every((h) => h.link.state() === "up"),
      "three hosts up",
    );
    const nc = await connectAs(server, "mini2", ca);
    const theirs = hostMessages("linux");
    const api = "$JS.API.CONSUMER";
    const attacks: [string, string, unknown][] = [
      [
        "widen its own inbox: the create subject names its filter, the request another",
        `${api}.CREATE.IAPEER.inbox-mini2.${hostMessages("mini2")}`,
        { stream_name: "IAPEER", config: { ...consumerOf("mini2"), filter_subject: theirs } },
      ],
      [
        "widen its own inbox with several filters",
        `${api}.CREATE.IAPEER.inbox-mini2.${hostMessages("mini2")}`,
        { stream_name: "IAPEER", config: { ...consumerOf("mini2"), filter_subjects: [theirs] } },
      ],
      [
        "its own inbox on linux's filter",
        `${api}.CREATE.IAPEER.inbox-mini2.${theirs}`,
        { stream_name: "IAPEER", config: { ...consumerOf("mini2"), filter_subject: theirs } },
      ],
      [
        "its own inbox on every message",
        `${api}.CREATE.IAPEER.inbox-mini2.iapeer.msg.>`,
        {
          stream_name: "IAPEER",
          config: { ...consumerOf("mini2"), filter_subject: "iapeer.msg.>" },
        },
      ],
      [
        "the create that carries no filter",
        `${api}.DURABLE.CREATE.IAPEER.inbox-mini2`,
        { stream_name: "IAPEER", config: { ...consumerOf("mini2"), filter_subject: theirs } },
      ],
      [
        "an unnamed consumer",
        `${api}.CREATE.IAPEER`,
        {
          stream_name: "IAPEER",
          config: {
            ack_policy: "explicit",
            filter_subject: theirs,
            deliver_subject: "_INBOX_mini2.x",
          },
        },
      ],
      [
        "a consumer of its own naming",
        `${api}.CREATE.IAPEER.spy.${theirs}`,
        {
          stream_name: "IAPEER",
          config: { durable_name: "spy", ack_policy: "explicit", filter_subject: theirs },
        },
      ],
      [
        "linux's inbox made a push consumer to mini2",
        `${api}.CREATE.IAPEER.inbox-linux.${theirs}`,
        {
          stream_name: "IAPEER",
          config: {
            ...consumerOf("linux"),
            filter_subject: theirs,
            deliver_subject: "_INBOX_mini2.x",
          },
        },
      ],
      [
        "a consumer of the stream through the directory's permission",
        `${api}.CREATE.KV_iapeer-directory.spy.${theirs}`,
        {
          stream_name: "IAPEER",
          config: { durable_name: "spy", ack_policy: "explicit", filter_subject: theirs },
        },
      ],
      ["pull from linux's inbox", `${api}.MSG.NEXT.IAPEER.inbox-linux`, { batch: 1, expires: 1e9 }],
      ["delete linux's inbox", `${api}.DELETE.IAPEER.inbox-linux`, {}],
      [
        "republish the stream to its own inbox",
        "$JS.API.STREAM.UPDATE.IAPEER",
        {
          name: "IAPEER",
          subjects: ["iapeer.msg.>", "iapeer.receipt.>"],
          storage: "file",
          retention: "limits",
          discard: "old",
          num_replicas: 1,
          duplicate_window: 86_400e9,
          max_age: 604_800e9,
          republish: { src: "iapeer.msg.>", dest: "_INBOX_mini2.spy.>" },
        },
      ],
      ["read the stream's messages one by one", "$JS.API.STREAM.MSG.GET.IAPEER", { seq: 1 }],
      ["delete the stream", "$JS.API.STREAM.DELETE.IAPEER", {}],
    ];
    for (const [what, subject, body] of attacks) {
      const outcome = await attempt(nc, subject, body);
      expect(`${what}: ${outcome}`).toStartWith(`${what}: refused`);
    }
    // Listening where the server hands linux its replies and pulled messages.
    const ears = await Promise.all(
      ["_INBOX.>", "_INBOX_linux.>", "iapeer.>", ">"].map((s) => listen(nc, s)),
    );
    await nc.flush();
    await until(() => ears.every((e) => e.refused()), "every subscription refused");

    // Acting as another host.
    const to = { host: "linux", personality: "bob" };
    expect((await publishMessage(nc, "studio", to, "m_3_0123456789abcdef", "x", 1_000)).ok).toBe(
      false,
    );
    const forged = {
      id: "m_1_0123456789abcdef",
      outcome: "delivered" as const,
      host: "linux",
      at: new Date().toISOString(),
    };
    expect((await publishReceipt(nc, "studio", forged, 1_000)).ok).toBe(false);
    const dir = await Directory.open(nc);
    if (!dir.ok) throw new Error(dir.error);
    const entry = { runtimes: ["echo"], state: "warm", lastSeen: forged.at };
    expect((await dir.value.put({ ...entry, host: "linux", personality: "bob" })).ok).toBe(false);

    // mini2's inbox still takes mini2's messages only.
    const jsm = await jetstreamManager(nc);
    expect((await jsm.consumers.info("IAPEER", inboxConsumer("mini2"))).config.filter_subject).toBe(
      hostMessages("mini2"),
    );

    // A forged message (from studio) written as mini2's own directory entry, pushed by a directory
    // consumer onto linux's message subject as studio: the stream never takes it.
    const forgedId = newMessageId();
    const forgedWire = {
      v: 1,
      id: forgedId,
      from: { personality: "boss", host: "studio", runtime: "claude", intelligence: "artificial" },
      to: { personality: "bob", host: "linux" },
      body: "FORGED",
      attachments: [],
      createdAt: new Date().toISOString(),
    };
    const h = headers();
    h.set("Nats-Msg-Id", forgedId);
    await jetstream(nc).publish("$KV.iapeer-directory.mini2.x", JSON.stringify(forgedWire), {
      headers: h,
    });
    const push = `${api}.CREATE.KV_iapeer-directory.push.$KV.iapeer-directory.mini2.x`;
    await attempt(nc, push, {
      stream_name: "KV_iapeer-directory",
      config: {
        name: "push",
        filter_subject: "$KV.iapeer-directory.mini2.x",
        ack_policy: "none",
        deliver_subject: "iapeer.msg.linux.bob.studio",
      },
    });
    await Bun.sleep(1_000);
    expect((await jsm.streams.info("IAPEER")).state.messages).toBe(0);

    // A private message studio sends to bob@linux reaches linux, and nobody else.
    const m: WireMessage = {
      v: 1,
      id: newMessageId(),
      from: { personality: "ana", host: "studio", runtime: "echo", intelligence: "absent" },
      to,
      body: "for linux only",
      attachments: [],
      createdAt: new Date().toISOString(),
    };
    expect((await studio.link.publish(m)).ok).toBe(true);
    await until(() => linux.messages.length > 0, "the message on linux");
    await Bun.sleep(500);
    expect(linux.messages.map((x) => x.body)).toEqual(["for linux only"]);
    expect(mini2.messages).toEqual([]);
    for (const e of ears) expect(e.sub.getProcessed()).toBe(0);
  }, 60_000);

  test("a daemon puts its own consumer right when it finds its filter changed", async () => {
    // An open server, where anyone may change a consumer: the daemon notices and makes it again.
    const server = await startNats();
    const nc = await connectAs(server, "linux");
    const first = linkAs(server, "mini2");
    await until(() => first.link.state() === "up", "mini2 up");
    await first.link.stop();
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete("IAPEER", inboxConsumer("mini2"));
    await jsm.consumers.add("IAPEER", {
      ...consumerOf("mini2"),
      filter_subject: hostMessages("linux"),
    } as never);

    const mini2 = linkAs(server, "mini2");
    await until(() => mini2.link.state() === "up", "mini2 up again");
    expect(
      mini2.events.some(
        (e) => e.startsWith("mesh-consumer-repaired") && e.includes("iapeer.msg.linux"),
      ),
    ).toBe(true);
    expect((await jsm.consumers.info("IAPEER", inboxConsumer("mini2"))).config.filter_subject).toBe(
      hostMessages("mini2"),
    );
    // A message for linux is not mini2's to take.
    await jetstream(nc).publish("iapeer.msg.linux.bob.linux", "{}", { msgID: newMessageId() });
    await Bun.sleep(500);
    expect(mini2.messages).toEqual([]);
  }, 60_000);

  test("a stream someone made republish its messages is refused, never used", async () => {
    const server = await startNats();
    const nc = await connectAs(server, "linux");
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      ...streamConfig({ replicas: 1, duplicateWindowMs: 60_000, maxAgeMs: 3_600_000 }),
      republish: { src: "iapeer.msg.>", dest: "spy.>" },
    } as never);
    const r = await ensureStream(nc);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toContain("republishes iapeer.msg.> to spy.>");
  }, 60_000);

  test("doctor: isolation ok under README's configuration, a warning on an open server", async () => {
    const { server, ca } = await readmeNatsServer(["mini2"]);
    const mini2 = linkAs(server, "mini2", ca);
    await until(() => mini2.link.state() === "up", "mini2 up");
    const doctor = (env: Record<string, string>) => {
      const r = runSource(["doctor", "--json"], {
        IAPEER_HOME: tempDir(),
        IAPEER_SERVICE_MANAGER: "none",
        IAPEER_HOST: "mini2",
        ...env,
      });
      const checks = JSON.parse(r.stdout) as { check: string; level: string; detail: string }[];
      return checks.find((c) => c.check === "isolation");
    };
    const safe = doctor({
      IAPEER_NATS_URL: `tls://127.0.0.1:${server.port}`,
      IAPEER_NATS_USER: "mini2",
      IAPEER_NATS_PASSWORD: "mini2-pw",
      IAPEER_NATS_CA: ca,
    });
    expect(safe).toMatchObject({ level: "ok" });

    const openServer = await startNats();
    const unsafe = doctor({ IAPEER_NATS_URL: openServer.url });
    expect(unsafe?.level).toBe("warn");
    expect(unsafe?.detail).toContain("point its own inbox at another host's messages");
    expect(unsafe?.detail).toContain("_INBOX.>");
    // The probes changed nothing: no consumer was made on the open server.
    const nc = await connectAs(openServer, "mini2");
    const jsm = await jetstreamManager(nc);
    const streams = await jsm.streams.names().next();
    expect(streams).toEqual([]);
  }, 60_000);

  test("doctor: a server configured from an older README (_INBOX.>) is named as the cause", async () => {
    const conf = join(tempDir(), "nats.conf");
    const users = [{ host: "mini2", password: "mini2-pw" }];
    writeFileSync(conf, accountsConfig(users).replace("_INBOX_mini2.>", "_INBOX.>"));
    const server = await startNats(["--config", conf]);
    const r = runSource(["doctor", "--json"], {
      IAPEER_HOME: tempDir(),
      IAPEER_SERVICE_MANAGER: "none",
      IAPEER_HOST: "mini2",
      IAPEER_NATS_URL: server.url,
      IAPEER_NATS_USER: "mini2",
      IAPEER_NATS_PASSWORD: "mini2-pw",
    });
    const checks = JSON.parse(r.stdout) as { check: string; level: string; fix?: string }[];
    expect(checks.find((c) => c.check === "jetstream")).toMatchObject({
      level: "fail",
      fix: "let this host's NATS user subscribe to _INBOX_mini2.> (the configuration in README, Several hosts)",
    });
  }, 60_000);
});
