#!/usr/bin/env bun
/**
 * Three hosts on this machine over one NATS JetStream server: three daemons of the compiled
 * binary, each its own home and host name, each with echo peers. Printed as JSON:
 * - a cross-host send to a live echo peer against a same-host one (median and p95 of 50 each,
 *   in the same run);
 * - throughput: 1,000 cross-host messages over 3 peers, from the first store to the last landing;
 * - a fault round: a flood to another host whose daemon is SIGKILLed mid-way and started again;
 *   sent, delivered, lost, doubled (lost and doubled must be 0).
 *
 *   bun scripts/bench-mesh.ts [dist/iapeer]      (scripts/bench.ts runs it too)
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../src/agent/echo-agent";
import { extractEnvelopes } from "../src/codec/extract";
import { callDaemon } from "../src/daemon/client";
import type { DaemonInfo } from "../src/daemon/info";
import type { SendResult } from "../src/transport/send";
import { freePort } from "../test/helpers/port";

const NATS = Bun.which("nats-server", { PATH: `${process.env.PATH}:/usr/sbin` });
let binary = join(import.meta.dir, "..", "dist", "iapeer");
let root = "";
const spawned: ReturnType<typeof Bun.spawn>[] = [];

function summary(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  const r = (n: number) => Math.round(n * 10) / 10;
  return { n: s.length, median: r(at(50)), p95: r(at(95)), max: r(s.at(-1) ?? 0) };
}

async function waitFor<T>(
  what: string,
  ms: number,
  check: () => T | undefined | Promise<T | undefined>,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

async function startNats(): Promise<string> {
  const port = await freePort();
  const monitor = await freePort();
  const store = join(root, "nats");
  mkdirSync(store, { recursive: true });
  const proc = Bun.spawn(
    [
      NATS as string,
      "-js",
      "-a",
      "127.0.0.1",
      "-p",
      String(port),
      "-m",
      String(monitor),
      "-sd",
      store,
    ],
    { stdout: "ignore", stderr: "ignore" },
  );
  spawned.push(proc);
  await waitFor("nats-server", 10_000, async () => {
    try {
      return (
        (await fetch(`http://127.0.0.1:${monitor}/healthz?js-enabled-only=true`)).ok || undefined
      );
    } catch {
      return undefined;
    }
  });
  return `nats://127.0.0.1:${port}`;
}

class Home {
  readonly dir: string;
  readonly env: Record<string, string>;
  daemon: ReturnType<typeof Bun.spawn> | undefined;
  info: DaemonInfo | undefined;

  constructor(
    readonly name: string,
    url: string,
  ) {
    this.dir = join(root, name);
    mkdirSync(this.dir, { recursive: true });
    this.env = {
      HOME: this.dir,
      IAPEER_HOME: this.dir,
      IAPEER_PORT: "0",
      IAPEER_SERVICE_MANAGER: "none",
      IAPEER_NATS_URL: url,
      IAPEER_HOST: name,
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      LANG: "C.UTF-8",
    };
  }

  cli(...args: string[]): void {
    const r = Bun.spawnSync([binary, ...args], { env: this.env, stdout: "pipe", stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`${this.name}: iapeer ${args.join(" ")}: ${r.stderr}`);
  }

  async start(): Promise<void> {
    const proc = Bun.spawn([binary, "daemon"], {
      env: this.env,
      stdout: "ignore",
      stderr: "ignore",
    });
    spawned.push(proc);
    this.daemon = proc;
    const infoPath = join(this.dir, "run", "daemon.json");
    this.info = await waitFor(`${this.name}'s daemon`, 10_000, () => {
      if (!existsSync(infoPath)) return undefined;
      const info = JSON.parse(readFileSync(infoPath, "utf8")) as DaemonInfo;
      return info.pid === proc.pid ? info : undefined;
    });
  }

  async kill(): Promise<void> {
    this.daemon?.kill("SIGKILL");
    await this.daemon?.exited;
  }

  async send(to: string, body: string, wait: boolean): Promise<SendResult["outcome"]> {
    if (!this.info) throw new Error(`${this.name} has no daemon`);
    const r = await callDaemon<SendResult>(this.info, "POST", "/v1/send", {
      to,
      body,
      wait,
    });
    if (!r.ok) throw new Error(r.error);
    return r.value.outcome;
  }

  /** How many times each message id reached this host's echo peers. */
  arrivals(peers: string[]): Map<string, number> {
    const seen = new Map<string, number>();
    for (const peer of peers) {
      const file = receivedLog(join(this.dir, "peers", peer));
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, "utf8").split("\n")) {
        if (!line.trim()) continue;
        const { text } = JSON.parse(line) as { text: string };
        for (const env of extractEnvelopes(text).envelopes)
          if (env.id) seen.set(env.id, (seen.get(env.id) ?? 0) + 1);
      }
    }
    return seen;
  }
}

async function run() {
  const url = await startNats();
  const [alpha, beta, gamma] = ["alpha", "beta", "gamma"].map((n) => new Home(n, url)) as [
    Home,
    Home,
    Home,
  ];
  alpha.cli("create", "a1", "--runtime", "echo");
  for (const [home, prefix] of [
    [beta, "b"],
    [gamma, "g"],
  ] as const)
    for (const i of [1, 2]) home.cli("create", `${prefix}${i}`, "--runtime", "echo");
  for (const h of [alpha, beta, gamma]) await h.start();
  alpha.cli("wake", "a1");
  beta.cli("wake", "b1", "b2");
  gamma.cli("wake", "g1", "g2");

  const timed = async (to: string) => {
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      const o = await alpha.send(to, `latency ${i}`, true);
      if (o.outcome !== "delivered") throw new Error(`${to}: ${o.outcome} ${o.error ?? ""}`);
      times.push(performance.now() - t);
    }
    return summary(times);
  };
  const sameHost = await timed("a1");
  const crossHost = await timed("b1@beta");

  // Throughput: 1,000 over b1@beta, b2@beta, g1@gamma, stored without waiting, then all landed.
  const targets = ["b1@beta", "b2@beta", "g1@gamma"];
  const before = [beta.arrivals(["b1", "b2"]), gamma.arrivals(["g1"])];
  const countOf = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const base =
    countOf(before[0] as Map<string, number>) + countOf(before[1] as Map<string, number>);
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) await alpha.send(targets[i % 3] as string, `flood ${i}`, false);
  const storedMs = performance.now() - t0;
  await waitFor("1,000 cross-host messages to land", 600_000, () => {
    const n = countOf(beta.arrivals(["b1", "b2"])) + countOf(gamma.arrivals(["g1"])) - base;
    return n >= 1000 ? n : undefined;
  });
  const landedMs = performance.now() - t0;

  // Fault round: 200 to g2@gamma; gamma's daemon SIGKILLed after the first 60 are stored.
  const ids: string[] = [];
  for (let i = 0; i < 200; i++) {
    const o = await alpha.send("g2@gamma", `fault ${i}`, false);
    if (o.id) ids.push(o.id);
    if (i === 60) await gamma.kill();
  }
  await Bun.sleep(1000);
  await gamma.start();
  const settled = await waitFor("the fault round to settle", 300_000, () => {
    const seen = gamma.arrivals(["g2"]);
    return ids.every((id) => seen.has(id)) ? seen : undefined;
  }).catch(() => gamma.arrivals(["g2"]));
  const delivered = ids.filter((id) => settled.has(id)).length;
  const doubled = ids.filter((id) => (settled.get(id) ?? 0) > 1).length;

  return {
    binary,
    hosts: 3,
    send_to_live_echo_ms: {
      same_host: sameHost,
      cross_host: crossHost,
      cross_over_same_median: Math.round((crossHost.median / sameHost.median) * 100) / 100,
    },
    throughput_1000_cross_host_over_3_peers: {
      stored_ms: Math.round(storedMs),
      all_landed_ms: Math.round(landedMs),
      per_sec: Math.round(1000 / (landedMs / 1000)),
    },
    fault_round: {
      fault: "receiving daemon SIGKILLed after 60 of 200, started again",
      sent: 200,
      accepted: ids.length,
      delivered,
      lost: ids.length - delivered,
      doubled,
    },
  };
}

/** The mesh's figures (scripts/bench.ts runs it); undefined when nats-server is not installed. */
export async function meshBench(iapeer: string) {
  if (!NATS) return undefined;
  binary = iapeer;
  root = mkdtempSync("/tmp/iapeer-bm-");
  try {
    return await run();
  } finally {
    for (const p of spawned.splice(0)) {
      p.kill("SIGKILL");
      await p.exited;
    }
    // Sessions outlive their daemon: each home's tmux servers go by their own sockets.
    for (const name of ["alpha", "beta", "gamma"]) {
      const tmuxDir = join(root, name, "run", "tmux");
      if (!existsSync(tmuxDir)) continue;
      // readdir, not Bun.Glob: a glob's scan does not list sockets.
      for (const sock of readdirSync(tmuxDir).filter((f) => f.endsWith(".sock")))
        Bun.spawnSync(["tmux", "-S", join(tmuxDir, sock), "kill-server"], { stderr: "ignore" });
    }
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const result = await meshBench(process.argv[2] ?? binary);
  if (!result) throw new Error("nats-server is not installed (apt-get install nats-server)");
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = result.fault_round.lost === 0 && result.fault_round.doubled === 0 ? 0 : 1;
}
