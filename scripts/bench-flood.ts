#!/usr/bin/env bun
/**
 * Throughput and scale of one daemon (run by scripts/bench.ts, or alone), counted from what the
 * echo agents received, side by side for this binary and a baseline one:
 *   - flood: N messages from 4 senders to 10 echo peers, `wait: false` — throughput, delivery
 *     latency p50/p95/p99 (send to the agent's own record), accept p99 (the API's answer),
 *     the daemon's memory and descriptors before and after, lost and doubled;
 *   - fleet: P echo peers on one host — `wake all`, one message to each from 4 senders,
 *     `list --json`, the idle daemon's CPU, its private memory (Pss, not RSS: the binary's
 *     shared pages are counted in every process).
 *
 *   bun scripts/bench-flood.ts [dist/iapeer] [--baseline OLD_BINARY] [--messages 5000]
 *     [--fleet 200] [--idle-secs 60]
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { extractEnvelopes } from "../src/codec/extract";
import { loadConfig } from "../src/core/config";
import { ensureLayout, layoutOf } from "../src/core/paths";
import { callDaemon } from "../src/daemon/client";
import type { DaemonInfo } from "../src/daemon/info";
import { hostOn } from "../src/home/host";
import { createPeer } from "../src/registry/create";
import { openStore } from "../src/store/db";
import { Tmux } from "../src/tmux/client";

const SENDERS = 4;

function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN);
  return { n: s.length, p50: at(50), p95: at(95), p99: at(99), max: Math.round(s.at(-1) ?? 0) };
}

/** What /proc says of the daemon: resident and private memory (KiB), open descriptors, CPU. */
function processFigures(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kib = (text: string, field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    rss_kib: kib(status, "VmRSS"),
    pss_kib: kib(rollup, "Pss"),
    private_kib: kib(rollup, "Private_Dirty") + kib(rollup, "Private_Clean"),
    fds: readdirSync(`/proc/${pid}/fd`).length,
    cpu_ticks: Number(fields[11]) + Number(fields[12]),
  };
}

interface Home {
  env: Record<string, string>;
  home: string;
  peers: string[];
  daemon: ReturnType<typeof Bun.spawn>;
  info: DaemonInfo;
  api: <T>(method: string, path: string, body?: unknown) => Promise<T>;
  stop: () => Promise<void>;
}

/** A throwaway home with `count` echo peers (asleep) and the binary's daemon running on it. */
async function homeWith(binary: string, count: number): Promise<Home> {
  const home = mkdtempSync("/tmp/iapeer-flood-");
  const env = {
    HOME: home,
    IAPEER_HOME: home,
    IAPEER_PORT: "0",
    IAPEER_SERVICE_MANAGER: "none",
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: "C.UTF-8",
  };
  const loaded = loadConfig({ env });
  if (!loaded.ok) throw new Error(loaded.error);
  const layout = layoutOf(loaded.value);
  ensureLayout(layout, process.getuid?.() ?? 0);
  const store = openStore(layout.dbPath);
  if (!store.ok) throw new Error(store.error);
  const host = hostOn(loaded.value, store.value);
  const peers: string[] = [];
  for (let i = 0; i < count; i++) {
    const made = createPeer(host, { name: `e${i}`, runtime: "echo" });
    if (!made.ok) throw new Error(made.error);
    peers.push(`e${i}`);
  }
  store.value.close();
  const daemon = Bun.spawn([binary, "daemon"], { env, stdout: "ignore", stderr: "ignore" });
  for (let i = 0; i < 400 && !existsSync(layout.daemonInfo); i++) await Bun.sleep(25);
  const info = JSON.parse(readFileSync(layout.daemonInfo, "utf8")) as DaemonInfo;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const answer = await callDaemon<T>(info, method, path, body);
    if (!answer.ok) throw new Error(`${method} ${path}: ${answer.error}`);
    return answer.value;
  };
  const stop = async () => {
    daemon.kill("SIGTERM");
    await daemon.exited;
    for (const sock of readdirSync(layout.tmuxSockDir))
      new Tmux(join(layout.tmuxSockDir, sock)).run(["kill-server"]);
    rmSync(home, { recursive: true, force: true });
  };
  return { env, home, peers, daemon, info, api, stop };
}

/** Every envelope the echo peers recorded: its id and when the agent read it (epoch ms). */
function received(h: Home): Map<string, number[]> {
  const seen = new Map<string, number[]>();
  for (const peer of h.peers) {
    const log = join(h.home, "peers", peer, ".iapeer", "echo-received.jsonl");
    if (!existsSync(log)) continue;
    for (const line of readFileSync(log, "utf8").split("\n")) {
      if (!line) continue;
      const { ts, text } = JSON.parse(line) as { ts: string; text: string };
      for (const { id } of extractEnvelopes(text).envelopes) {
        if (id === undefined) continue;
        const at = seen.get(id) ?? [];
        at.push(Date.parse(ts));
        seen.set(id, at);
      }
    }
  }
  return seen;
}

/** Send `bodies` from SENDERS concurrent callers; each send's id, start and accept time. */
async function sendAll(h: Home, sends: { to: string; body: string }[]) {
  const sent: { id: string; at: number; acceptMs: number }[] = [];
  let next = 0;
  const sender = async () => {
    for (let i = next++; i < sends.length; i = next++) {
      const send = sends[i] as { to: string; body: string };
      const at = Date.now();
      const t = performance.now();
      const r = await h.api<{ outcome: { id: string; outcome: string } }>("POST", "/v1/send", {
        ...send,
        wait: false,
      });
      sent.push({ id: r.outcome.id, at, acceptMs: performance.now() - t });
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  return sent;
}

/**
 * Sends offered at a steady `rate` (messages/s), as 4 senders would: the latency of a delivery
 * when the queue is not a backlog of thousands.
 */
async function sendPaced(h: Home, sends: { to: string; body: string }[], rate: number) {
  const sent: { id: string; at: number; acceptMs: number }[] = [];
  const start = Date.now();
  await Promise.all(
    sends.map(async (send, i) => {
      await Bun.sleep(Math.max(0, start + (i * 1000) / rate - Date.now()));
      const at = Date.now();
      const t = performance.now();
      const r = await h.api<{ outcome: { id: string } }>("POST", "/v1/send", {
        ...send,
        wait: false,
      });
      sent.push({ id: r.outcome.id, at, acceptMs: performance.now() - t });
    }),
  );
  return sent;
}

/** Wait until every sent id has been recorded by an agent, or `ms` pass with no progress. */
async function awaitReceived(h: Home, ids: string[], ms = 60_000) {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const seen = received(h);
    const got = ids.filter((id) => seen.has(id)).length;
    if (got === ids.length) return seen;
    if (got !== last) {
      last = got;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > ms) return seen;
    await Bun.sleep(250);
  }
}

/** Each send's delivery latency, and how many were lost or recorded twice. */
function outcomes(seen: Map<string, number[]>, sent: { id: string; at: number }[]) {
  const latencies: number[] = [];
  let lost = 0;
  let doubled = 0;
  let lastAt = 0;
  for (const s of sent) {
    const at = seen.get(s.id);
    if (!at) lost++;
    else {
      if (at.length > 1) doubled++;
      latencies.push((at[0] as number) - s.at);
      lastAt = Math.max(lastAt, at[0] as number);
    }
  }
  return { latencies, lost, doubled, lastAt };
}

export async function flood(binary: string, messages: number) {
  const h = await homeWith(binary, 10);
  try {
    // Every peer awake first: the flood measures delivery, not ten boots.
    await Promise.all(h.peers.map((p) => h.api("POST", `/v1/peers/${p}/wake`)));
    const before = processFigures(h.daemon.pid);
    const sends = Array.from({ length: messages }, (_, i) => ({
      to: h.peers[i % h.peers.length] as string,
      body: `flood ${i}`,
    }));
    const start = Date.now();
    const sent = await sendAll(h, sends);
    const acceptedS = (Date.now() - start) / 1000;
    const seen = await awaitReceived(
      h,
      sent.map((s) => s.id),
    );
    const after = processFigures(h.daemon.pid);
    const blast = outcomes(seen, sent);
    // The same peers at a steady offered rate below what the flood moved.
    const rate = 50;
    const paced = await sendPaced(
      h,
      Array.from({ length: rate * 10 }, (_, i) => ({
        to: h.peers[i % h.peers.length] as string,
        body: `paced ${i}`,
      })),
      rate,
    );
    const steady = outcomes(
      await awaitReceived(
        h,
        paced.map((s) => s.id),
      ),
      paced,
    );
    const { lost, doubled } = {
      lost: blast.lost + steady.lost,
      doubled: blast.doubled + steady.doubled,
    };
    return {
      messages,
      throughput_msgs_per_s: Math.round(
        (sent.length - blast.lost) / ((blast.lastAt - start) / 1000),
      ),
      all_accepted_in_s: Math.round(acceptedS * 10) / 10,
      accept_ms: percentiles(sent.map((s) => s.acceptMs)),
      // All of them queued at once: the last waits for the whole backlog.
      delivery_latency_ms: percentiles(blast.latencies),
      paced: {
        offered_msgs_per_s: rate,
        messages: paced.length,
        accept_ms: percentiles(paced.map((s) => s.acceptMs)),
        delivery_latency_ms: percentiles(steady.latencies),
      },
      lost,
      doubled,
      daemon_before: before,
      daemon_after: after,
    };
  } finally {
    await h.stop();
  }
}

export async function fleet(binary: string, count: number, idleSecs: number) {
  const h = await homeWith(binary, count);
  const cli = (args: string[]) => {
    const t = performance.now();
    const res = Bun.spawnSync([binary, ...args], { env: h.env, stdout: "pipe", stderr: "pipe" });
    if (res.exitCode !== 0) throw new Error(`${args.join(" ")}: ${res.stderr}`);
    return performance.now() - t;
  };
  try {
    const wakeAllMs = cli(["wake", "all"]);
    const start = Date.now();
    const sent = await sendAll(
      h,
      h.peers.map((p) => ({ to: p, body: `hello ${p}` })),
    );
    const seen = await awaitReceived(
      h,
      sent.map((s) => s.id),
    );
    const lastAt = Math.max(...sent.map((s) => seen.get(s.id)?.[0] ?? Number.NaN));
    const listMs = [cli(["list", "--json"]), cli(["list", "--json"]), cli(["list", "--json"])];
    await Bun.sleep(2000);
    const idleFrom = processFigures(h.daemon.pid);
    await Bun.sleep(idleSecs * 1000);
    const idleTo = processFigures(h.daemon.pid);
    const hz = 100;
    return {
      peers: count,
      wake_all_s: Math.round(wakeAllMs / 100) / 10,
      one_message_each_s: Math.round((lastAt - start) / 100) / 10,
      lost: sent.filter((s) => !seen.has(s.id)).length,
      list_json_ms: Math.round(Math.min(...listMs)),
      idle_cpu_percent:
        Math.round(((idleTo.cpu_ticks - idleFrom.cpu_ticks) / hz / idleSecs) * 100 * 100) / 100,
      daemon: idleTo,
    };
  } finally {
    await h.stop();
  }
}

export async function floodBench(
  binary: string,
  opts: { baseline?: string; messages?: number; fleet?: number; idleSecs?: number } = {},
) {
  const messages = opts.messages ?? 5000;
  const size = opts.fleet ?? 200;
  const idleSecs = opts.idleSecs ?? 60;
  const run = async (b: string) => ({
    flood: await flood(b, messages),
    fleet: await fleet(b, size, idleSecs),
  });
  const current = await run(binary);
  const baseline = opts.baseline ? await run(opts.baseline) : undefined;
  const targets = {
    flood_msgs_per_s: 100,
    accept_p99_ms: 20,
    delivery_p95_ms: 300,
    wake_all_s: size >= 200 ? 20 : 10,
    one_message_each_s: size >= 200 ? 10 : 5,
    idle_cpu_percent: 0.5,
    daemon_private_kib: 80 * 1024,
  };
  const met = {
    flood_msgs_per_s: current.flood.throughput_msgs_per_s >= targets.flood_msgs_per_s,
    accept_p99_ms: current.flood.accept_ms.p99 <= targets.accept_p99_ms,
    delivery_p95_ms: current.flood.paced.delivery_latency_ms.p95 <= targets.delivery_p95_ms,
    lost_doubled: current.flood.lost === 0 && current.flood.doubled === 0,
    wake_all_s: current.fleet.wake_all_s <= targets.wake_all_s,
    one_message_each_s: current.fleet.one_message_each_s <= targets.one_message_each_s,
    idle_cpu_percent: current.fleet.idle_cpu_percent < targets.idle_cpu_percent,
    daemon_private_kib: current.fleet.daemon.private_kib <= targets.daemon_private_kib,
  };
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  return {
    binary,
    current,
    ...(baseline && {
      baseline: { binary: opts.baseline, ...baseline },
      ratios: {
        flood_throughput: ratio(
          current.flood.throughput_msgs_per_s,
          baseline.flood.throughput_msgs_per_s,
        ),
        accept_p99: ratio(baseline.flood.accept_ms.p99, current.flood.accept_ms.p99),
        paced_delivery_p95: ratio(
          baseline.flood.paced.delivery_latency_ms.p95,
          current.flood.paced.delivery_latency_ms.p95,
        ),
        wake_all: ratio(baseline.fleet.wake_all_s, current.fleet.wake_all_s),
        one_message_each: ratio(
          baseline.fleet.one_message_each_s,
          current.fleet.one_message_each_s,
        ),
      },
    }),
    targets,
    met,
  };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      baseline: { type: "string" },
      messages: { type: "string" },
      fleet: { type: "string" },
      "idle-secs": { type: "string" },
    },
  });
  const binary = positionals[0] ?? join(import.meta.dir, "..", "dist", "iapeer");
  const result = await floodBench(binary, {
    ...(values.baseline && { baseline: values.baseline }),
    ...(values.messages && { messages: Number(values.messages) }),
    ...(values.fleet && { fleet: Number(values.fleet) }),
    ...(values["idle-secs"] && { idleSecs: Number(values["idle-secs"]) }),
  });
  console.log(JSON.stringify(result, null, 2));
}
