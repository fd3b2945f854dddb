import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { DaemonInfo } from "../../src/daemon/info";
import { SCHEMA_VERSION } from "../../src/store/schema";
import { baselineBinary } from "../helpers/baseline";
import { iapeerBinary } from "../helpers/binary";
import { tempDir } from "../helpers/temp";
import { until } from "../helpers/until";

// The last release's binary (built once and cached by commit) and this source's.
const old = baselineBinary();
const current = await iapeerBinary();

const started = new Set<ReturnType<typeof Bun.spawn>>();
afterEach(async () => {
  for (const proc of started) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
  started.clear();
});

function environment(home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith("IAPEER_")) env[k] = v;
  return {
    ...env,
    IAPEER_HOME: home,
    IAPEER_SERVICE_MANAGER: "none",
    IAPEER_PORT: "0",
    NO_COLOR: "1",
  };
}

function run(binary: string, args: string[], env: Record<string, string>) {
  const res = Bun.spawnSync([binary, ...args], { env, stdout: "pipe", stderr: "pipe" });
  return { code: res.exitCode, stdout: res.stdout.toString(), stderr: res.stderr.toString() };
}

/** `iapeer daemon` of this binary in the background, once its daemon.json names it. */
async function startDaemon(binary: string, env: Record<string, string>) {
  const proc = Bun.spawn([binary, "daemon"], { env, stdout: "ignore", stderr: "pipe" });
  started.add(proc);
  const infoPath = join(env.IAPEER_HOME as string, "run", "daemon.json");
  await until(
    () => {
      if (proc.exitCode !== null) throw new Error(`${binary} daemon exited ${proc.exitCode}`);
      if (!existsSync(infoPath)) return false;
      return (JSON.parse(readFileSync(infoPath, "utf8")) as DaemonInfo).pid === proc.pid;
    },
    `${binary} daemon to start`,
    60_000,
  );
  return proc;
}

function daemonCheck(binary: string, env: Record<string, string>) {
  const checks = JSON.parse(run(binary, ["doctor", "--json"], env).stdout) as {
    check: string;
    level: string;
    detail: string;
    fix?: string;
  }[];
  return checks.find((c) => c.check === "daemon");
}

describe(`an upgrade from the last release (${old.commit.slice(0, 12)})`, () => {
  test("messages its daemon queued are delivered by the new daemon, which doctor asked for", async () => {
    const home = tempDir("iapeer-upgrade-");
    const env = environment(home);
    expect(run(old.binary, ["create", "ana", "--runtime", "echo"], env).code).toBe(0);
    expect(run(old.binary, ["stop", "ana"], env).code).toBe(0);
    const oldDaemon = await startDaemon(old.binary, env);
    const texts = ["queued before the upgrade", "and a second one"];
    for (const text of texts) {
      const sent = run(old.binary, ["send", "ana", "--defer", "--message", text, "--json"], env);
      expect(JSON.parse(sent.stdout).outcome).toBe("queued");
    }

    // The new binary is installed; the old daemon still runs.
    const before = daemonCheck(current, env);
    expect(before?.level).toBe("warn");
    expect(before?.detail).toContain(`pid ${oldDaemon.pid}`);
    expect(before?.detail).toContain("older build than this binary's");
    expect(before?.fix).toContain("iapeer daemon restart");

    // What the fix says: the new binary stops the old daemon and starts its own.
    const restarted = run(current, ["daemon", "restart", "--json"], env);
    expect(restarted.code).toBe(0);
    expect(await oldDaemon.exited).toBe(0);
    const newPid = (JSON.parse(restarted.stdout) as { pid: number }).pid;
    expect(newPid).not.toBe(oldDaemon.pid);
    const after = daemonCheck(current, env);
    expect(after?.level).toBe("ok");
    expect(after?.detail).toContain(`pid ${newPid}`);

    expect(run(current, ["start", "ana"], env).code).toBe(0);
    const received = join(home, "peers", "ana", ".iapeer", "echo-received.jsonl");
    const got = await until(
      () => {
        if (!existsSync(received)) return false;
        const lines = readFileSync(received, "utf8").trim().split("\n");
        const seen = lines.map((l) => (JSON.parse(l) as { text: string }).text);
        return texts.every((t) => seen.some((s) => s.includes(t))) && seen;
      },
      "the queued messages to reach ana",
      90_000,
    );
    expect(got).toHaveLength(texts.length);

    // Delivered means confirmed by the daemon, a moment after the agent recorded it.
    const stored = () => {
      const db = new Database(join(home, "state", "iapeer.db"), { readonly: true });
      try {
        return {
          version: db.query("PRAGMA user_version").get(),
          states: db.query("SELECT state FROM messages ORDER BY seq").all(),
        };
      } finally {
        db.close();
      }
    };
    const delivered = JSON.stringify(texts.map(() => ({ state: "delivered" })));
    await until(
      () => JSON.stringify(stored().states) === delivered,
      "both messages to be confirmed delivered",
      60_000,
    );
    expect(stored().version).toEqual({ user_version: SCHEMA_VERSION });
  }, 180_000);
});

describe("a Homebrew upgrade", () => {
  test("the daemon's service runs the opt link brew moves to the new version, not the Cellar folder it removes", () => {
    const prefix = tempDir("iapeer-brew-");
    const keg = join(prefix, "Cellar", "iapeer", "0.1.0", "bin");
    mkdirSync(keg, { recursive: true });
    copyFileSync(current, join(keg, "iapeer"));
    mkdirSync(join(prefix, "opt"));
    symlinkSync(join(prefix, "Cellar", "iapeer", "0.1.0"), join(prefix, "opt", "iapeer"));
    mkdirSync(join(prefix, "bin"));
    symlinkSync(join(keg, "iapeer"), join(prefix, "bin", "iapeer"));
    const env = environment(join(prefix, "home"));
    const unit = run(
      join(prefix, "bin", "iapeer"),
      ["service", "install", "--daemon", "--print"],
      env,
    );
    expect(unit.stderr).toBe("");
    expect(unit.stdout).toContain(
      `ExecStart=${join(prefix, "opt", "iapeer", "bin", "iapeer")} daemon`,
    );
    expect(unit.code).toBe(0);
  }, 60_000);
});
