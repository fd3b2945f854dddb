#!/usr/bin/env bun
/**
 * CLI start-up, side by side in one run: a compiled Bun "hello" (the floor), `iapeer --version`,
 * `iapeer list --json` and `iapeer status` with 50 live peers, `tmux ls`, and (when installed)
 * pm2 and supervisord listing 50 supervised processes. An optional baseline binary (an older
 * iapeer) is timed beside this one. Printed as JSON; run by scripts/bench.ts, or alone:
 *
 *   bun scripts/bench-cli.ts [dist/iapeer] [--baseline OLD_BINARY] [--pm2]
 *
 * `--pm2` installs pm2 (pinned) into ~/.cache/iapeer/bench when it is not there yet.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const PEERS = 50;
const RUNS = 15;
const PM2_VERSION = "7.0.4";

type Summary = { n: number; min: number; median: number; p95: number };

function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  const r = (n: number) => Math.round(n * 10) / 10;
  return { n: s.length, min: r(s[0] ?? 0), median: r(at(50)), p95: r(at(95)) };
}

/** Wall time of a command, warmed up first; every run must succeed. */
function time(argv: string[], env: Record<string, string>): Summary {
  const run = () => {
    const t = performance.now();
    const res = Bun.spawnSync(argv, { env, stdout: "ignore", stderr: "pipe" });
    const ms = performance.now() - t;
    if (res.exitCode !== 0)
      throw new Error(`${argv.join(" ")} exited ${res.exitCode}: ${res.stderr.toString()}`);
    return ms;
  };
  for (let i = 0; i < 3; i++) run();
  return summarize(Array.from({ length: RUNS }, run));
}

function helloBinary(dir: string): string {
  const src = join(dir, "hello.ts");
  writeFileSync(src, 'console.log("hello");\n');
  const out = join(dir, "hello");
  const res = Bun.spawnSync([process.execPath, "build", src, "--compile", "--outfile", out]);
  if (res.exitCode !== 0) throw new Error(`cannot compile hello: ${res.stderr.toString()}`);
  return out;
}

function pm2Binary(install: boolean): string | undefined {
  const prefix = join(homedir(), ".cache", "iapeer", "bench");
  const bin = join(prefix, "node_modules", ".bin", "pm2");
  if (existsSync(bin) || !install) return existsSync(bin) ? bin : undefined;
  mkdirSync(prefix, { recursive: true });
  const res = Bun.spawnSync(["npm", "install", "--prefix", prefix, `pm2@${PM2_VERSION}`], {
    stdout: "ignore",
    stderr: "pipe",
  });
  if (res.exitCode !== 0) throw new Error(`npm install pm2 failed: ${res.stderr.toString()}`);
  return bin;
}

/** pm2 with PEERS `sleep` processes in a throwaway PM2_HOME; its daemon is killed after. */
function timePm2(pm2: string, dir: string): Summary {
  const env = { ...(process.env as Record<string, string>), PM2_HOME: join(dir, "pm2") };
  const ok = (argv: string[]) => {
    const res = Bun.spawnSync([pm2, ...argv], { env, stdout: "ignore", stderr: "pipe" });
    if (res.exitCode !== 0) throw new Error(`pm2 ${argv.join(" ")}: ${res.stderr.toString()}`);
  };
  try {
    for (let i = 0; i < PEERS; i++) ok(["start", "sleep", "--name", `s${i}`, "--", "3600"]);
    return time([pm2, "jlist"], env);
  } finally {
    // pm2's own way to stop its daemon and every process it holds.
    Bun.spawnSync([pm2, "kill"], { env, stdout: "ignore", stderr: "ignore" });
  }
}

export async function cliBench(binary: string, opts: { baseline?: string; pm2?: boolean } = {}) {
  const dir = mkdtempSync("/tmp/iapeer-bc-");
  const env = {
    HOME: dir,
    IAPEER_HOME: dir,
    IAPEER_PORT: "0",
    IAPEER_SERVICE_MANAGER: "none",
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: "C.UTF-8",
  };
  const iapeer = (...args: string[]) => {
    const res = Bun.spawnSync([binary, ...args], { env, stdout: "pipe", stderr: "pipe" });
    if (res.exitCode !== 0) throw new Error(`iapeer ${args.join(" ")}: ${res.stderr.toString()}`);
  };
  try {
    for (let i = 0; i < PEERS; i++)
      iapeer("create", `p${i}`, "--runtime", "command", "--command", "sleep 3600");
    iapeer("wake", "all");
    // A warm send: the echo peer is live and the daemon up; the CLI's whole round trip.
    iapeer("create", "echo0", "--runtime", "echo");
    iapeer("send", "echo0", "-m", "warm-up");
    const hello = time([helloBinary(dir)], env);
    const rows: Record<string, Summary> = {
      hello_bun_binary: hello,
      iapeer_version: time([binary, "--version"], env),
      iapeer_list_json: time([binary, "list", "--json"], env),
      iapeer_status: time([binary, "status"], env),
      iapeer_send_warm_echo: time([binary, "send", "echo0", "-m", "a warm send"], env),
      tmux_ls_one_server: time(
        ["tmux", "-S", join(dir, "run", "tmux", "command-p0.sock"), "ls"],
        env,
      ),
    };
    if (opts.baseline) {
      rows.baseline_version = time([opts.baseline, "--version"], env);
      rows.baseline_list_json = time([opts.baseline, "list", "--json"], env);
    }
    const pm2 = pm2Binary(opts.pm2 === true);
    if (pm2) rows.pm2_jlist = timePm2(pm2, dir);
    const ratio = (a?: Summary, b?: Summary) =>
      a && b ? Math.round((a.median / b.median) * 100) / 100 : undefined;
    return {
      peers: PEERS,
      runs: RUNS,
      ms: rows,
      targets: {
        version_over_hello_max: 1.5,
        list_over_hello_max: 2,
        pm2_jlist_over_list_min: 8,
        send_warm_echo_median_ms_max: 100,
      },
      ratios: {
        version_over_hello: ratio(rows.iapeer_version, hello),
        list_over_hello: ratio(rows.iapeer_list_json, hello),
        ...(rows.baseline_list_json && {
          baseline_list_over_list: ratio(rows.baseline_list_json, rows.iapeer_list_json),
          baseline_version_over_version: ratio(rows.baseline_version, rows.iapeer_version),
        }),
        ...(rows.pm2_jlist && {
          pm2_jlist_over_list: ratio(rows.pm2_jlist, rows.iapeer_list_json),
        }),
      },
      met: {
        version: (ratio(rows.iapeer_version, hello) ?? Infinity) <= 1.5,
        list: (ratio(rows.iapeer_list_json, hello) ?? Infinity) <= 2,
        send_warm: (rows.iapeer_send_warm_echo?.median ?? Infinity) <= 100,
        ...(rows.pm2_jlist && {
          pm2: (ratio(rows.pm2_jlist, rows.iapeer_list_json) ?? 0) >= 8,
        }),
      },
    };
  } finally {
    Bun.spawnSync([binary, "stop", "all"], { env, stdout: "ignore", stderr: "ignore" });
    Bun.spawnSync([binary, "daemon", "stop"], { env, stdout: "ignore", stderr: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { baseline: { type: "string" }, pm2: { type: "boolean", default: false } },
    allowPositionals: true,
  });
  const binary = positionals[0] ?? join(import.meta.dir, "..", "dist", "iapeer");
  console.log(JSON.stringify(await cliBench(binary, values), null, 2));
}
