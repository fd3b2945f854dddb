import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { receivedLog } from "../../src/agent/echo-agent";
import { decodeEnvelope } from "../../src/codec/envelope";
import { processState } from "../../src/launch/pid";
import { createPeer } from "../../src/registry/create";
import { issueToken } from "../../src/registry/tokens";
import type { Message } from "../../src/transport/messages";
import type { SendResult } from "../../src/transport/send";
import { runSource } from "../helpers/cli";
import { type DaemonProcess, startDaemon } from "../helpers/daemon";
import { freePort } from "../helpers/port";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

function bodies(sb: Sandbox, peer: string): string[] {
  try {
    return readFileSync(receivedLog(join(sb.layout.peersDir, peer)), "utf8")
      .trim()
      .split("\n")
      .map((l) => {
        const env = decodeEnvelope((JSON.parse(l) as { text: string }).text);
        return env.ok ? env.value.body : `UNDECODABLE ${l.slice(0, 80)}`;
      });
  } catch {
    return [];
  }
}

/** 5 senders × 100 messages, round-robin to 3 peers, each sender waiting only for "stored". */
async function flood(
  d: () => DaemonProcess,
  onSent?: (n: number) => Promise<void>,
): Promise<string[]> {
  const ids: string[] = [];
  let sent = 0;
  await Promise.all(
    [0, 1, 2, 3, 4].map(async (s) => {
      for (let n = 0; n < 100; n++) {
        for (;;) {
          try {
            // The key makes a retry after the daemon died mid-request safe: stored once.
            const r = await d().api<SendResult>("POST", "/v1/send", {
              to: `p${n % 3}`,
              body: `s${s}-n${n}`,
              key: `s${s}-n${n}`,
              wait: false,
            });
            if (r.body.outcome.id && !ids.includes(r.body.outcome.id)) ids.push(r.body.outcome.id);
            break;
          } catch {
            await Bun.sleep(50); // the daemon is being restarted
          }
        }
        sent++;
        await onSent?.(sent);
      }
    }),
  );
  return ids;
}

async function allFinal(d: DaemonProcess, ids: string[], timeoutMs: number): Promise<Message[]> {
  const deadline = Date.now() + timeoutMs;
  const final = new Map<string, Message>();
  // Only the messages not yet final are asked about again: 500 requests a round would be a
  // flood of their own on the daemon the test measures.
  for (;;) {
    const pending = ids.filter((id) => !final.has(id));
    for (const id of pending.slice(0, 50)) {
      const m = (await d.api<Message>("GET", `/v1/messages/${id}`)).body;
      if (m.state !== "queued" && m.state !== "delivering") final.set(id, m);
      else break;
    }
    if (final.size === ids.length || Date.now() > deadline)
      return ids.map(
        (id) => final.get(id) ?? ({ id, state: "queued", error: "not final in time" } as Message),
      );
    await Bun.sleep(250);
  }
}

/** Every message recorded exactly once, each sender's messages to a peer in the order sent. */
function expectExactlyOnceInOrder(sb: Sandbox) {
  const all: string[] = [];
  for (const p of ["p0", "p1", "p2"]) {
    const got = bodies(sb, p);
    all.push(...got);
    for (let s = 0; s < 5; s++) {
      const mine = got.filter((b) => b.startsWith(`s${s}-`)).map((b) => Number(b.split("-n")[1]));
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
  }
  const expected = [0, 1, 2, 3, 4].flatMap((s) =>
    Array.from({ length: 100 }, (_, n) => `s${s}-n${n}`),
  );
  expect([...all].sort()).toEqual([...expected].sort());
}

describe("the daemon", () => {
  test("one per home; the CLI goes through it; SIGTERM stops it cleanly", async () => {
    const sb = sandbox();
    createPeer(sb.host(), { name: "ana", runtime: "echo" });
    const d = await startDaemon(sb);
    const second = runSource(["daemon"], { ...sb.env, IAPEER_PORT: "0" });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      `a daemon is already running for ${sb.config.home} (pid ${d.info.pid})`,
    );
    const sent = runSource(["send", "ana", "-m", "through the daemon", "--json"], sb.env);
    expect(JSON.parse(sent.stdout)).toMatchObject({ outcome: "delivered", woke: true });
    expect(bodies(sb, "ana")).toEqual(["through the daemon"]);
    const status = JSON.parse(runSource(["status", "--json"], sb.env).stdout);
    expect(status.daemon).toMatchObject({ up: true, pid: d.info.pid });
    expect(await d.stop("SIGTERM")).toBe(0);
    const down = runSource(["daemon", "status", "--json"], sb.env);
    expect(down.code).toBe(3);
    expect(JSON.parse(down.stdout)).toEqual({ up: false });
  });

  test("a command with no daemon running starts one in the background; daemon stop|start|restart", async () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    expect(runSource(["daemon", "status"], sb.env).code).toBe(3);
    // create is a client too: the daemon it started registered the peer.
    expect(runSource(["create", "ana", "--runtime", "echo"], sb.env).code).toBe(0);
    expect(runSource(["daemon", "status"], sb.env).code).toBe(0);
    expect(runSource(["daemon", "stop"], sb.env).code).toBe(0);
    expect(runSource(["daemon", "status"], sb.env).code).toBe(3);
    const sent = runSource(["send", "ana", "-m", "hello", "--json"], sb.env);
    expect(JSON.parse(sent.stdout)).toMatchObject({ outcome: "delivered", woke: true });
    const first = JSON.parse(runSource(["daemon", "status", "--json"], sb.env).stdout);
    expect(first).toMatchObject({ up: true });
    // The CLI's process is gone: the daemon it started outlives it, in a process group of its own.
    expect(readFileSync(`/proc/${first.pid}/stat`, "utf8").split(" ")[4]).toBe(String(first.pid));

    const restarted = runSource(["daemon", "restart", "--json"], sb.env);
    expect(restarted.code).toBe(0);
    const second = JSON.parse(restarted.stdout);
    expect(second.pid).not.toBe(first.pid);
    // Gone, or a zombie whose parent (the CLI that started it) is gone too.
    expect([undefined, "Z"]).toContain(processState(first.pid));
    // Sessions belong to their own tmux servers: a daemon restart leaves ana running.
    expect(JSON.parse(runSource(["list", "--json"], sb.env).stdout)).toEqual([
      expect.objectContaining({ personality: "ana", state: "live" }),
    ]);

    const stopped = runSource(["daemon", "stop", "--json"], sb.env);
    expect(JSON.parse(stopped.stdout)).toEqual({ ok: true, stopped: true, pid: second.pid });
    expect(runSource(["daemon", "status"], sb.env).code).toBe(3);
    expect(JSON.parse(runSource(["daemon", "stop", "--json"], sb.env).stdout).stopped).toBe(false);
    const started = runSource(["daemon", "start", "--json"], sb.env);
    expect(JSON.parse(started.stdout)).toMatchObject({ ok: true, started: true });
    const again = runSource(["daemon", "start", "--json"], sb.env);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, started: false });
  });

  test("a client started with other settings than the daemon's names each one", async () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    expect(runSource(["daemon", "start"], sb.env).code).toBe(0);
    const r = runSource(["list"], {
      ...sb.env,
      IAPEER_IDLE_SECS: "5",
      IAPEER_NATS_URL: "nats://127.0.0.1:1",
      IAPEER_NATS_TOKEN: "s3cret",
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("IAPEER_IDLE_SECS is unset there, 5 here");
    expect(r.stderr).toContain("IAPEER_NATS_TOKEN is unset there, another value here");
    expect(r.stderr).not.toContain("s3cret");
    expect(runSource(["list"], sb.env).stderr).not.toContain("other settings");
  });

  test("a death is in `iapeer events`, recorded by the daemon itself (no tick, no CLI pass)", async () => {
    const sb = sandbox();
    createPeer(sb.host(), { name: "ana", runtime: "echo" });
    // A tick far off: only the daemon's exits.log watch and its 0.5 s look can record it.
    const d = await startDaemon(sb, { IAPEER_TICK_SECS: "86400" });
    const woke = await d.api<{ pid: number }>("POST", "/v1/peers/ana/wake");
    expect(woke.status).toBe(200);
    process.kill(woke.body.pid, "SIGKILL");
    // `events` only reads the events table: it records no death of its own.
    const line = await until(() => {
      const events = runSource(["events", "--json"], sb.env)
        .stdout.trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { ev: string; identity?: string });
      return events.find((e) => e.ev === "death");
    }, "the death in `iapeer events`");
    expect(line).toMatchObject({
      ev: "death",
      identity: "echo-ana",
      class: "signaled",
      signal: "SIGKILL",
    });
  });

  test("500 messages from 5 concurrent senders to 3 peers: each exactly once, in per-sender order", async () => {
    const sb = sandbox();
    const host = sb.host();
    for (const p of ["p0", "p1", "p2"]) createPeer(host, { name: p, runtime: "echo" });
    const d = await startDaemon(sb);
    const ids = await flood(() => d);
    const final = await allFinal(d, ids, 90_000);
    expect(
      final.filter((m) => m.state !== "delivered").map((m) => `${m.id} ${m.state} ${m.error}`),
    ).toEqual([]);
    expectExactlyOnceInOrder(sb);
  }, 120_000);

  test("SIGKILL of the daemon mid-flood, while a message is being typed: after a restart, still every message exactly once", async () => {
    const sb = sandbox();
    const host = sb.host();
    for (const p of ["p0", "p1", "p2"]) createPeer(host, { name: p, runtime: "echo" });
    let d = await startDaemon(sb);
    // Read-only, as an onlooker: which messages the daemon has begun to paste.
    const db = new Database(sb.layout.dbPath, { readonly: true });
    const typing = () =>
      db
        .query(
          "SELECT id, recipient, body FROM messages WHERE state = 'delivering' AND typing_at IS NOT NULL",
        )
        .all() as { id: string; recipient: string; body: string }[];
    let inFlight: { id: string; recipient: string; body: string }[] = [];
    try {
      const ids = await flood(
        () => d,
        async (n) => {
          if (n !== 150 || inFlight.length > 0) return;
          inFlight = await until(() => {
            const rows = typing();
            return rows.length > 0 && rows;
          }, "a message to be mid-paste");
          await d.stop("SIGKILL");
          d = await startDaemon(sb);
        },
      );
      const final = await allFinal(d, ids, 90_000);
      expect(inFlight.length).toBeGreaterThan(0);
      // Recovered: every message, the one killed mid-paste included, delivered exactly once.
      expect(
        final.filter((m) => m.state !== "delivered").map((m) => `${m.id} ${m.state} ${m.error}`),
      ).toEqual([]);
      // The new daemon found them left `delivering` and recovered them, none as unconfirmed.
      const recovered = (
        db.query("SELECT fields FROM events WHERE ev = 'recovered'").all() as { fields: string }[]
      ).map((r) => JSON.parse(r.fields) as Record<string, unknown>);
      for (const m of inFlight) {
        expect(bodies(sb, m.recipient).filter((b) => b === m.body)).toEqual([m.body]);
        const mine = recovered.filter((r) => r.peer === m.recipient);
        expect(mine.length).toBeGreaterThan(0);
        expect(mine.every((r) => r.unconfirmed === 0)).toBe(true);
        expect(
          mine.reduce((n, r) => n + (r.requeued as number) + (r.completed as number), 0),
        ).toBeGreaterThan(0);
      }
      expectExactlyOnceInOrder(sb);
    } finally {
      db.close();
    }
  }, 150_000);

  test("MCP: a real client lists send_to_peer and sends as its peer; no token is 401", async () => {
    const sb = sandbox();
    const host = sb.host();
    createPeer(host, { name: "ana", runtime: "echo" });
    createPeer(host, { name: "bob", runtime: "echo" });
    const token = issueToken(host.store, "bob");
    const port = await freePort();
    await startDaemon(sb, { IAPEER_PORT: String(port) });
    const url = new URL(`http://127.0.0.1:${port}/mcp`);
    const client = new Client({ name: "test", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(url, {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toEqual(["send_to_peer"]);
      const result = await client.callTool({
        name: "send_to_peer",
        arguments: { personality: "ana", message: "hi from bob" },
      });
      expect(result.isError).toBeFalsy();
      const outcome = JSON.parse((result.content as { text: string }[])[0]?.text ?? "{}");
      expect(outcome).toMatchObject({ ok: true, outcome: "delivered" });
      const env = decodeEnvelope(
        (
          JSON.parse(readFileSync(receivedLog(join(sb.layout.peersDir, "ana")), "utf8").trim()) as {
            text: string;
          }
        ).text,
      );
      expect(env.ok && env.value).toMatchObject({
        from: "bob",
        runtime: "echo",
        intelligence: "absent",
        body: "hi from bob",
      });
      const big = await client.callTool({
        name: "send_to_peer",
        arguments: { personality: "ana", message: "x".repeat(16_001) },
      });
      expect(big.isError).toBe(true);
      expect(JSON.stringify(big.content)).toContain("the limit is 16000");
    } finally {
      await client.close();
    }
    expect((await fetch(url, { method: "POST", body: "{}" })).status).toBe(401);
    expect(
      (await fetch(url, { method: "POST", body: "{}", headers: { Authorization: "Bearer nope" } }))
        .status,
    ).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/v1/peers`)).status).toBe(401);
  });
});
