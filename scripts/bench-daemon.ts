/**
 * Daemon benchmarks (run by scripts/bench.ts): a real `iapeer daemon` of the compiled binary on a
 * throwaway home, driven over its unix socket.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadConfig } from "../src/core/config";
import { ensureLayout, layoutOf, tmuxSocket } from "../src/core/paths";
import { callDaemon } from "../src/daemon/client";
import type { DaemonInfo } from "../src/daemon/info";
import { hostOn } from "../src/home/host";
import { createPeer } from "../src/registry/create";
import { openStore } from "../src/store/db";
import { eventsSince } from "../src/store/journal";
import { Tmux } from "../src/tmux/client";
import type { SendResult } from "../src/transport/send";

type Summary = { n: number; min: number; median: number; p95: number };

function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.replace(/\D+/g, "") ?? 0);
}

export async function daemonBench(binary: string, summary: (xs: number[]) => Summary) {
  const home = mkdtempSync("/tmp/iapeer-bd-");
  const env = {
    HOME: home,
    IAPEER_HOME: home,
    IAPEER_PORT: "0",
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: "C.UTF-8",
  };
  const loaded = loadConfig({ env });
  if (!loaded.ok) throw new Error(loaded.error);
  const config = loaded.value;
  const layout = layoutOf(config);
  ensureLayout(layout, process.getuid?.() ?? 0);
  const store = openStore(layout.dbPath);
  if (!store.ok) throw new Error(store.error);
  const host = hostOn(config, store.value);
  const names: string[] = [];
  const make = (name: string, runtime = "echo", command?: string) => {
    const r = createPeer(host, { name, runtime, ...(command && { command }) });
    if (!r.ok) throw new Error(r.error);
    names.push(`${runtime}-${name}`);
  };
  for (let i = 0; i < 10; i++) make(`e${i}`);
  const daemon = Bun.spawn([binary, "daemon"], { env, stdout: "ignore", stderr: "ignore" });
  try {
    for (let i = 0; i < 200 && !existsSync(layout.daemonInfo); i++) await Bun.sleep(25);
    const info = JSON.parse(readFileSync(layout.daemonInfo, "utf8")) as DaemonInfo;
    const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const answer = await callDaemon<T>(info, method, path, body);
      if (!answer.ok) throw new Error(answer.error);
      return answer.value;
    };
    const sendOne = (to: string, body: string, wait = true) =>
      api<SendResult>("POST", "/v1/send", { to, body, wait });
    await Bun.sleep(300);
    const rssIdle = rssKiB(daemon.pid);

    // Send to an asleep peer: the wake and the delivery, measured by the sender.
    const wakes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const r = await sendOne(`e${i}`, `wake ${i}`);
      if (r.outcome.outcome !== "delivered" || !r.outcome.woke)
        throw new Error(`wake send: ${JSON.stringify(r)}`);
      wakes.push(performance.now() - t);
    }
    // Into a live peer, one at a time.
    const live: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      const r = await sendOne("e0", `live ${i}`);
      if (r.outcome.outcome !== "delivered") throw new Error(`live send: ${JSON.stringify(r)}`);
      live.push(performance.now() - t);
    }
    const throughput = async (peers: number, perPeer: number) => {
      const t = performance.now();
      const ids: string[] = [];
      for (let n = 0; n < perPeer; n++) {
        for (let p = 0; p < peers; p++)
          ids.push((await sendOne(`e${p}`, `tp ${p} ${n}`, false)).outcome.id as string);
      }
      for (;;) {
        const left = ids.filter((id) => {
          const row = store.value.db.query("SELECT state FROM messages WHERE id = ?").get(id) as {
            state: string;
          };
          return row.state === "queued" || row.state === "delivering";
        });
        if (left.length === 0) break;
        await Bun.sleep(20);
      }
      return Math.round((ids.length / (performance.now() - t)) * 1000);
    };
    const into1 = await throughput(1, 100);
    const into10 = await throughput(10, 20);

    // A death, until the daemon's event for it.
    const deaths: number[] = [];
    for (let i = 0; i < 5; i++) {
      const woke = await api<{ pid: number }>("POST", `/v1/peers/e${i + 1}/wake`);
      const last = eventsSince(store.value, 0, 1_000_000).at(-1)?.id ?? 0;
      const t = performance.now();
      process.kill(woke.pid, "SIGKILL");
      for (;;) {
        if (eventsSince(store.value, last).some((e) => e.ev === "death")) break;
        if (performance.now() - t > 5000) throw new Error("no death event");
        await Bun.sleep(5);
      }
      deaths.push(performance.now() - t);
    }

    // The daemon's memory holding 100 peers (90 more, `command` peers running `sleep 3600`).
    for (let i = 0; i < 90; i++) {
      make(`c${i}`, "command", "sleep 3600");
      await api("POST", `/v1/peers/c${i}/wake`);
    }
    await Bun.sleep(1500);
    const rss100 = rssKiB(daemon.pid);
    return {
      send_to_asleep_echo_ms: summary(wakes),
      live_delivery_ms: summary(live),
      throughput_msgs_per_s: { into_1_peer: into1, into_10_peers: into10 },
      death_to_event_ms: summary(deaths),
      daemon_rss_kib: { idle: rssIdle, with_100_peers: rss100 },
      targets: { live_delivery_p50_ms: 100, death_to_event_ms: 1000, rss_100_peers_kib: 80 * 1024 },
    };
  } finally {
    daemon.kill("SIGTERM");
    await daemon.exited;
    for (const identity of names) new Tmux(tmuxSocket(layout, identity)).run(["kill-server"]);
    store.value.close();
    rmSync(home, { recursive: true, force: true });
  }
}
