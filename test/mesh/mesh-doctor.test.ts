import { afterEach, expect, test } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Directory } from "../../src/mesh/directory";
import { ensureStream } from "../../src/mesh/stream";
import { runSource } from "../helpers/cli";
import { startNats } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";
import { freePort } from "../helpers/port";
import { tempDir } from "../helpers/temp";

interface Check {
  check: string;
  ok: boolean;
  level: string;
  detail: string;
  fix?: string;
}

const open: NatsConnection[] = [];
afterEach(async () => {
  for (const nc of open.splice(0)) await nc.close();
});

function doctor(env: Record<string, string>) {
  const r = runSource(["doctor", "--json"], {
    IAPEER_HOME: tempDir(),
    IAPEER_SERVICE_MANAGER: "none",
    IAPEER_HOST: "mini2",
    ...env,
  });
  const checks = JSON.parse(r.stdout) as Check[];
  const byName = Object.fromEntries(checks.map((c) => [c.check, c]));
  return { code: r.code, byName };
}

async function client(url: string): Promise<NatsConnection> {
  const nc = await connect({ servers: url });
  open.push(nc);
  return nc;
}

natsDescribe("iapeer doctor and the mesh", () => {
  test("no mesh: one line saying so", () => {
    const { byName } = doctor({});
    expect(byName.mesh).toMatchObject({ ok: true, level: "ok" });
    expect(byName.nats).toBeUndefined();
  });

  test("a fresh server: connected and JetStream on, the stream still to make; doctor makes nothing", async () => {
    const server = await startNats();
    const { code, byName } = doctor({ IAPEER_NATS_URL: server.url });
    expect(code).toBe(0);
    expect(byName.nats).toMatchObject({ ok: true, level: "ok" });
    expect(byName.nats?.detail).toContain("nats-server 2.");
    expect(byName.nats?.detail).toContain("as host mini2");
    expect(byName.jetstream).toMatchObject({ ok: true, level: "ok" });
    expect(byName.stream).toMatchObject({ ok: true, level: "ok" });
    expect(byName.stream?.detail).toContain("not made yet");
    expect(byName.clock?.detail).toStartWith("not measured yet");
    const jsm = await jetstreamManager(await client(server.url));
    expect((await jsm.streams.names().next()).length).toBe(0);
  });

  test("the stream's replicas, and a clock 30 s ahead of the server's", async () => {
    const server = await startNats();
    const nc = await client(server.url);
    expect((await ensureStream(nc)).ok).toBe(true);
    const dir = await Directory.open(nc);
    if (!dir.ok) throw new Error(dir.error);
    const ahead = new Date(Date.now() + 30_000).toISOString();
    const entry = { host: "mini2", runtimes: ["echo"], state: "warm", lastSeen: ahead };
    await dir.value.put({ ...entry, personality: "ana" });
    // Another host's entry says nothing of this host's clock.
    await dir.value.put({
      ...entry,
      host: "linux",
      personality: "bob",
      lastSeen: new Date().toISOString(),
    });
    const { code, byName } = doctor({ IAPEER_NATS_URL: server.url });
    expect(code).toBe(0);
    expect(byName.stream).toMatchObject({ level: "ok", detail: "IAPEER: 0 messages, 1 replica" });
    expect(byName.clock).toMatchObject({ ok: true, level: "warn" });
    expect(byName.clock?.detail).toMatch(
      /^this host's clock is (29|30)\.\d s ahead of the NATS server's$/,
    );
  });

  test("a clock in step is fine", async () => {
    const server = await startNats();
    const dir = await Directory.open(await client(server.url));
    if (!dir.ok) throw new Error(dir.error);
    const now = new Date().toISOString();
    await dir.value.put({
      host: "mini2",
      personality: "ana",
      runtimes: [],
      state: "warm",
      lastSeen: now,
    });
    const { byName } = doctor({ IAPEER_NATS_URL: server.url });
    expect(byName.clock).toMatchObject({ ok: true, level: "ok" });
  });

  test("no server: it blocks, exit 1, saying how to start one", async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const { code, byName } = doctor({ IAPEER_NATS_URL: url });
    expect(code).toBe(1);
    expect(byName.nats).toMatchObject({ ok: false, level: "fail" });
    expect(byName.nats?.detail).toStartWith(`cannot connect to NATS at ${url}:`);
    expect(byName.nats?.fix).toContain("nats-server -js");
  });
});
