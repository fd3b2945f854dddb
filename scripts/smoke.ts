#!/usr/bin/env bun
/**
 * Smoke check of the compiled binary, run by .ci/run after the build:
 * `bun scripts/smoke.ts [path-to-binary]` (default dist/iapeer). Exit 0 only when every check passes.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../package.json" with { type: "json" };
import { Tmux } from "../src/tmux/client";

const binary = process.argv[2] ?? join(import.meta.dir, "..", "dist", "iapeer");
const home = mkdtempSync(join(tmpdir(), "iapeer-smoke-"));

function run(args: string[], env: Record<string, string> = {}) {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("IAPEER_")) clean[k] = v;
  }
  const started = performance.now();
  const res = Bun.spawnSync([binary, ...args], {
    env: { ...clean, IAPEER_HOME: home, NO_COLOR: "1", ...env },
  });
  return {
    code: res.exitCode,
    stdout: res.stdout.toString(),
    stderr: res.stderr.toString(),
    ms: performance.now() - started,
  };
}

const checks: [string, () => string | undefined][] = [
  [
    "--version prints the version and commit",
    () => {
      const r = run(["--version"]);
      const want = new RegExp(
        `^iapeer ${pkg.version.replaceAll(".", "\\.")} \\(([0-9a-f]{12}(-dirty)?|unknown)\\)\\n$`,
      );
      return r.code === 0 && want.test(r.stdout)
        ? undefined
        : `exit ${r.code}: ${r.stdout}${r.stderr}`;
    },
  ],
  [
    "config --json reports the home in force",
    () => {
      const r = run(["config", "--json"]);
      if (r.code !== 0) return `exit ${r.code}: ${r.stderr}`;
      const knobs = (JSON.parse(r.stdout) as { knobs: { name: string; value: unknown }[] }).knobs;
      const got = knobs.find((k) => k.name === "IAPEER_HOME")?.value;
      return got === home ? undefined : `IAPEER_HOME is ${String(got)}, expected ${home}`;
    },
  ],
  [
    "a bad setting is a one-line error with exit 2",
    () => {
      const r = run(["config"], { IAPEER_PORT: "not-a-port" });
      const lines = r.stderr.trimEnd().split("\n");
      return r.code === 2 && lines.length === 1 && lines[0]?.includes("IAPEER_PORT")
        ? undefined
        : `exit ${r.code}: ${r.stderr}`;
    },
  ],
  [
    "echo-agent takes a bracketed paste in a real tmux pane and records it",
    () => {
      const socket = join(home, "smoke.sock");
      const cwd = join(home, "peer");
      mkdirSync(cwd);
      const tmux = new Tmux(socket);
      try {
        const started = tmux.run([
          "-f",
          "/dev/null",
          "new-session",
          "-d",
          "-s",
          "smoke",
          "-x",
          "120",
          "-y",
          "20",
          "-e",
          `PEER_CWD=${cwd}`,
          "--",
          binary,
          "echo-agent",
        ]);
        if (!started.ok) return `tmux new-session failed: ${started.stderr}`;
        const screen = () => tmux.run(["capture-pane", "-p", "-t", "=smoke:"]).stdout;
        const waitFor = (test: () => boolean) => {
          for (let i = 0; i < 100 && !test(); i++) Bun.sleepSync(50);
          return test();
        };
        if (!waitFor(() => /^❯/m.test(screen()))) return `no prompt; screen: ${screen().trim()}`;
        tmux.run(["load-buffer", "-b", "m", "-"], { input: "smoke\nline two" });
        tmux.run(["paste-buffer", "-p", "-d", "-b", "m", "-t", "=smoke:"]);
        if (!waitFor(() => screen().includes("line two"))) return "the paste did not land";
        tmux.run(["send-keys", "-t", "=smoke:", "Enter"]);
        const log = join(cwd, ".iapeer", "echo-received.jsonl");
        if (!waitFor(() => existsSync(log))) return "nothing recorded after Enter";
        const text = JSON.parse(readFileSync(log, "utf8").trim()).text;
        return text === "smoke\nline two" ? undefined : `recorded ${JSON.stringify(text)}`;
      } finally {
        tmux.run(["kill-server"]);
      }
    },
  ],
];

let failed = 0;
try {
  for (const [name, check] of checks) {
    const started = performance.now();
    let problem: string | undefined;
    try {
      problem = check();
    } catch (error) {
      problem = String(error);
    }
    const ms = Math.round(performance.now() - started);
    if (problem) failed++;
    console.log(
      `${problem ? "FAIL" : "ok  "} ${name} (${ms} ms)${problem ? `\n     ${problem.trim()}` : ""}`,
    );
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
console.log(`smoke: ${checks.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
