#!/usr/bin/env bun
/**
 * Benchmarks, printed as JSON. Targets are checked here rather than in timed tests, since the
 * machines are shared and noisy. `bun scripts/bench.ts [path-to-binary]`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEnvelope, decodeEnvelope } from "../src/codec/envelope";
import { loadConfig } from "../src/core/config";
import { EventLog } from "../src/core/event-log";
import { makeIdentity } from "../src/core/names";
import { ensureLayout, layoutOf, peerLog, tmuxSocket } from "../src/core/paths";
import type { Host } from "../src/home/host";
import { hostOn } from "../src/home/host";
import { type LaunchConfig, launch } from "../src/launch/launch";
import { nudgeReaper } from "../src/launch/watch";
import { superviseTick } from "../src/lifecycle/supervise";
import { wakeOrSpawn } from "../src/lifecycle/wake";
import { createPeer } from "../src/registry/create";
import { commandAdapter } from "../src/runtimes/command";
import { echoAdapter } from "../src/runtimes/echo";
import type { RuntimeAdapter } from "../src/runtimes/types";
import { openStore } from "../src/store/db";
import { Tmux, tmuxCalls } from "../src/tmux/client";
import { cliBench } from "./bench-cli";
import { daemonBench } from "./bench-daemon";
import { floodBench } from "./bench-flood";
import { meshBench } from "./bench-mesh";

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const binary = positional[0] ?? join(import.meta.dir, "..", "dist", "iapeer");
/** `--baseline=OLD_BINARY`: the scale benchmarks run it too, side by side. */
const baselineArg = process.argv
  .find((a) => a.startsWith("--baseline="))
  ?.slice("--baseline=".length);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 100) / 100;
  return {
    n: s.length,
    min: r(s[0] ?? 0),
    median: r(percentile(s, 50)),
    p95: r(percentile(s, 95)),
  };
}

function startup() {
  const times: number[] = [];
  let maxRssKiB = 0;
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    const res = Bun.spawnSync([binary, "--version"]);
    times.push(performance.now() - t);
    if (res.exitCode !== 0) throw new Error(`${binary} --version exited ${res.exitCode}`);
    maxRssKiB = Math.max(maxRssKiB, Math.round((res.resourceUsage?.maxRSS ?? 0) / 1024));
  }
  return { ms: summary(times), max_rss_kib: maxRssKiB, target_median_ms: 30 };
}

function codec() {
  const body = "line of text with <tags> & ]]> and émoji 🚀\n".repeat(350).slice(0, 16_000);
  const input = {
    from: "ana",
    runtime: "echo",
    intelligence: "absent" as const,
    ts: new Date().toISOString(),
    body,
  };
  const n = 500;
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const built = buildEnvelope(input);
    if (!built.ok || !decodeEnvelope(built.value).ok) throw new Error("codec round trip failed");
  }
  const ms = performance.now() - t;
  return { round_trips_16k_per_sec: Math.round((n / ms) * 1000) };
}

function store() {
  const dir = mkdtempSync(join(tmpdir(), "iapeer-bench-"));
  try {
    const opened = openStore(join(dir, "iapeer.db"));
    if (!opened.ok) throw new Error(opened.error);
    const s = opened.value;
    const insert = s.db.query("INSERT INTO events (ts, ev, fields) VALUES (?, 'bench', '{}')");
    const n = 2000;
    const t = performance.now();
    for (let i = 0; i < n; i++) s.write(() => insert.run(new Date().toISOString()));
    const ms = performance.now() - t;
    s.close();
    return { committed_writes_per_sec: Math.round((n / ms) * 1000) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A throwaway home for session benchmarks; every server is killed by its socket at the end. */
function sessionHome() {
  const home = mkdtempSync("/tmp/iapeer-b-");
  const loaded = loadConfig({
    env: { HOME: home, IAPEER_HOME: home, PATH: process.env.PATH, LANG: "C.UTF-8" },
  });
  if (!loaded.ok) throw new Error(loaded.error);
  const layout = layoutOf(loaded.value);
  ensureLayout(layout, process.getuid?.() ?? 0);
  const sockets: string[] = [];
  const events = new EventLog(layout.lifecycleLog);
  const start = async (adapter: RuntimeAdapter, name: string, settings = {}) => {
    const id = makeIdentity(adapter.name, name);
    if (!id.ok) throw new Error(id.error);
    const cwd = join(layout.peersDir, name);
    mkdirSync(cwd, { recursive: true });
    const socket = tmuxSocket(layout, id.value.identity);
    sockets.push(socket);
    const cfg: LaunchConfig = {
      socket,
      exitsLog: layout.exitsLog,
      paneLog: peerLog(layout, id.value.identity),
      events,
      home,
      sockDir: loaded.value.sockDir,
      path: loaded.value.path,
      inherited: loaded.value.env,
      iapeer: [binary],
    };
    const t = performance.now();
    const r = await launch({ identity: id.value, cwd, resume: false, settings }, adapter, cfg);
    if (!r.ok) throw new Error(r.error);
    return { session: r.session, ms: performance.now() - t };
  };
  const cleanup = () => {
    for (const socket of sockets) new Tmux(socket).run(["kill-server"]);
    rmSync(home, { recursive: true, force: true });
  };
  return { layout, start, cleanup };
}

/** launch() to READY for the echo agent (the compiled binary's echo-agent). */
async function echoReady() {
  const h = sessionHome();
  try {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { ms } = await h.start(echoAdapter, `ready${i}`);
      times.push(ms);
    }
    return { ms: summary(times), target_median_ms: 1000 };
  } finally {
    h.cleanup();
  }
}

/** kill -9 of the pane's process → its exits.log line, with the watchers' 250 ms reaper nudge. */
async function deathToLine() {
  const h = sessionHome();
  try {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { session } = await h.start(commandAdapter, `death${i}`, { command: "sleep 600" });
      const t = performance.now();
      process.kill(session.panePid, "SIGKILL");
      let lastNudge = t;
      for (;;) {
        const text = existsSync(h.layout.exitsLog) ? readFileSync(h.layout.exitsLog, "utf8") : "";
        if (text.includes(`identity=${session.identity} `)) break;
        if (performance.now() - lastNudge >= 250) {
          nudgeReaper(session.serverPid);
          lastNudge = performance.now();
        }
        if (performance.now() - t > 5000)
          throw new Error(`no exits.log line for ${session.identity}`);
        await Bun.sleep(1);
      }
      times.push(performance.now() - t);
    }
    return { ms: summary(times), max_ms: Math.round(Math.max(...times)), target_max_ms: 1000 };
  } finally {
    h.cleanup();
  }
}

/** One superviseTick over 100 live `command` peers (`sleep 3600`), and `list --json` over them. */
async function hundredPeers() {
  const home = mkdtempSync("/tmp/iapeer-b-");
  const env = {
    HOME: home,
    IAPEER_HOME: home,
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: "C.UTF-8",
  };
  const loaded = loadConfig({ env });
  if (!loaded.ok) throw new Error(loaded.error);
  const layout = layoutOf(loaded.value);
  ensureLayout(layout, process.getuid?.() ?? 0);
  const store = openStore(layout.dbPath);
  if (!store.ok) throw new Error(store.error);
  const host: Host = { ...hostOn(loaded.value, store.value), iapeer: [binary] };
  try {
    for (let i = 0; i < 100; i++) {
      const made = createPeer(host, { name: `p${i}`, runtime: "command", command: "sleep 3600" });
      if (!made.ok) throw new Error(made.error);
      const woke = await wakeOrSpawn(host, `p${i}`);
      if (!woke.ok) throw new Error(woke.error);
    }
    const ticks: number[] = [];
    let spawned = 0;
    for (let i = 0; i < 10; i++) {
      const before = tmuxCalls.count;
      const t = performance.now();
      const report = await superviseTick(host);
      ticks.push(performance.now() - t);
      spawned += tmuxCalls.count - before;
      if (report.checked !== 100 || report.died.length + report.slept.length > 0)
        throw new Error(`tick saw ${JSON.stringify(report)}`);
    }
    const lists: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const res = Bun.spawnSync([binary, "list", "--json"], { env });
      lists.push(performance.now() - t);
      if (res.exitCode !== 0 || JSON.parse(res.stdout.toString()).length !== 100)
        throw new Error("list --json failed");
    }
    return {
      tick_ms: summary(ticks),
      tmux_processes_per_tick: spawned / ticks.length,
      list_json_ms: summary(lists),
      target_tick_median_ms: 100,
    };
  } finally {
    for (let i = 0; i < 100; i++)
      new Tmux(tmuxSocket(layout, `command-p${i}`)).run(["kill-server"]);
    store.value.close();
    rmSync(home, { recursive: true, force: true });
  }
}

const result = {
  binary,
  startup_version: startup(),
  codec: codec(),
  store: store(),
  echo_launch_to_ready: await echoReady(),
  kill9_to_exits_line: await deathToLine(),
  hundred_live_peers: await hundredPeers(),
  daemon: await daemonBench(binary, summary),
  // `--pm2` installs pm2 to time `pm2 jlist` beside `iapeer list --json`.
  cli: await cliBench(binary, { pm2: process.argv.includes("--pm2") }),
  // 5,000 messages to 10 echo peers, and 200 echo peers on one host (issue targets in `met`).
  scale: await floodBench(binary, {
    ...(baselineArg !== undefined && { baseline: baselineArg }),
  }),
  // Three hosts over NATS JetStream, when nats-server is installed.
  mesh: (await meshBench(binary)) ?? { skipped: "nats-server is not installed" },
};
// Wake overhead: a send to an asleep peer, less the echo agent's own start-up.
const wakeOverheadMs = Math.round(
  result.daemon.send_to_asleep_echo_ms.median - result.echo_launch_to_ready.ms.median,
);
const met =
  result.startup_version.ms.median <= result.startup_version.target_median_ms &&
  result.echo_launch_to_ready.ms.median <= result.echo_launch_to_ready.target_median_ms &&
  result.kill9_to_exits_line.max_ms <= result.kill9_to_exits_line.target_max_ms &&
  result.hundred_live_peers.tick_ms.median <= result.hundred_live_peers.target_tick_median_ms &&
  result.hundred_live_peers.tmux_processes_per_tick === 0 &&
  wakeOverheadMs <= 300 &&
  result.daemon.live_delivery_ms.median <= result.daemon.targets.live_delivery_p50_ms &&
  result.daemon.death_to_event_ms.p95 <= result.daemon.targets.death_to_event_ms &&
  result.daemon.daemon_rss_kib.with_100_peers <= result.daemon.targets.rss_100_peers_kib &&
  Object.values(result.cli.met).every(Boolean) &&
  (!("fault_round" in result.mesh) ||
    (result.mesh.fault_round.lost === 0 && result.mesh.fault_round.doubled === 0));
console.log(
  JSON.stringify({ ...result, wake_overhead_ms: wakeOverheadMs, targets_met: met }, null, 2),
);
process.exit(met ? 0 : 1);
