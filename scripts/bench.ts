#!/usr/bin/env bun
/**
 * Benchmarks, printed as JSON. Targets are checked here rather than in timed tests, since the
 * machines are shared and noisy. `bun scripts/bench.ts [path-to-binary]`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEnvelope, decodeEnvelope } from "../src/codec/envelope";
import { openStore } from "../src/store/db";

const binary = process.argv[2] ?? join(import.meta.dir, "..", "dist", "iapeer");

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
  return { ms: summary(times), max_rss_kib: maxRssKiB, target_median_ms: 100 };
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

const result = { binary, startup_version: startup(), codec: codec(), store: store() };
const met = result.startup_version.ms.median <= result.startup_version.target_median_ms;
console.log(JSON.stringify({ ...result, targets_met: met }, null, 2));
process.exit(met ? 0 : 1);
