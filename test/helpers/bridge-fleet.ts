import { expect } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { peerLog } from "../../src/core/paths";
import type { DaemonInfo } from "../../src/daemon/info";
import type { SendOutcome } from "../../src/transport/types";
import { ROOT } from "./cli";
import { type Sandbox, sandbox } from "./sandbox";
import { type FakeTelegram, fakeTelegram } from "./telegram";
import { tempDir } from "./temp";
import { until } from "./until";

/** The iapeer under test: the compiled binary when IAPEER_TEST_BINARY names one, else the source. */
export function iapeerUnderTest(): string[] {
  const given = process.env.IAPEER_TEST_BINARY;
  if (given) {
    if (!existsSync(given)) throw new Error(`IAPEER_TEST_BINARY=${given} does not exist`);
    return [resolve(given)];
  }
  return [process.execPath, join(ROOT, "src", "cli", "main.ts")];
}

export const CHAT = 111;
export const STRANGER = 999;
/** Shaped like a real one, and unique enough to find anywhere it leaked. */
export const TOKEN = `7040123456:AAH${crypto.randomUUID().replaceAll("-", "")}`;

export interface BridgeFleet {
  sb: Sandbox;
  telegram: FakeTelegram;
  tokenFile: string;
  env: Record<string, string>;
  cli(
    args: string[],
    extraEnv?: Record<string, string>,
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The fleet's daemon: killed with SIGKILL, started again on the same home. */
  daemon: { readonly info: DaemonInfo; kill(): Promise<void>; start(): Promise<void> };
  /** Bodies of the envelopes the echo peer got, whole (attributes included). */
  received(peer: string): string[];
  /** The bridge's session log (its output). */
  bridgeLog(): string;
}

const processes = new Set<ReturnType<typeof Bun.spawn>>();

/**
 * A home with a daemon, an echo peer `ana` and a telegram peer `bot` whose bridge talks to a
 * scripted Bot API; the token sits in a mode-0600 file outside the home.
 */
export async function bridgeFleet(extraEnv: Record<string, string> = {}): Promise<BridgeFleet> {
  const sb = sandbox();
  const telegram = fakeTelegram(TOKEN);
  const tokenFile = join(tempDir("iapeer-tg-"), "bot-token");
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
  chmodSync(tokenFile, 0o600);
  const env: Record<string, string> = {
    ...sb.env,
    NO_COLOR: "1",
    IAPEER_PORT: "0",
    IAPEER_SERVICE_MANAGER: "none",
    IAPEER_TELEGRAM_API: telegram.url,
    IAPEER_TELEGRAM_TOKEN_FILE: tokenFile,
    IAPEER_TELEGRAM_CHATS: String(CHAT),
    ...extraEnv,
  };
  const iapeer = iapeerUnderTest();
  const cli = async (args: string[], extraEnv: Record<string, string> = {}) => {
    const proc = Bun.spawn([...iapeer, ...args], {
      env: { ...env, ...extraEnv },
      stdout: "pipe",
      stderr: "pipe",
      stdin: "ignore",
    });
    processes.add(proc);
    const [code, stdout, stderr] = await Promise.all([
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    processes.delete(proc);
    return { code, stdout, stderr };
  };
  const startDaemon = async () => {
    const proc = Bun.spawn([...iapeer, "daemon"], {
      env,
      stdout: "ignore",
      stderr: "ignore",
      stdin: "ignore",
    });
    processes.add(proc);
    const info = await until(() => {
      const path = sb.layout.daemonInfo;
      if (!existsSync(path)) return undefined;
      const read = JSON.parse(readFileSync(path, "utf8")) as DaemonInfo;
      return read.pid === proc.pid ? read : undefined;
    }, "the daemon's daemon.json");
    return { proc, info };
  };
  let daemon = await startDaemon();
  for (const args of [
    ["create", "ana", "--runtime", "echo"],
    ["create", "bot", "--runtime", "telegram"],
  ]) {
    const made = await cli(args);
    if (made.code !== 0) throw new Error(`iapeer ${args.join(" ")}: ${made.stderr}`);
  }
  return {
    sb,
    telegram,
    tokenFile,
    env,
    cli,
    daemon: {
      get info() {
        return daemon.info;
      },
      async kill() {
        daemon.proc.kill("SIGKILL");
        await daemon.proc.exited;
        processes.delete(daemon.proc);
      },
      async start() {
        daemon = await startDaemon();
      },
    },
    received(peer) {
      try {
        return readFileSync(receivedLog(join(sb.layout.peersDir, peer)), "utf8")
          .trim()
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => (JSON.parse(l) as { text: string }).text);
      } catch {
        return [];
      }
    },
    bridgeLog() {
      try {
        return readFileSync(peerLog(sb.layout, "telegram-bot"), "utf8");
      } catch {
        return "";
      }
    },
  };
}

/** Stop every process the fleets started, by pid (test/setup.ts stops the rest). */
export async function cleanupBridgeFleets(): Promise<void> {
  for (const proc of processes) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
  processes.clear();
}

/** Wake the bridge and wait until it polls Telegram. */
export async function bridgeUp(f: BridgeFleet): Promise<void> {
  const woke = await f.cli(["wake", "bot"]);
  expect(woke.code).toBe(0);
  await until(
    () => f.telegram.calls.some((c) => c.method === "getUpdates"),
    "the bridge's first getUpdates",
    30_000,
  );
}

/** `iapeer send … --json`, its outcome. */
export async function sendJson(f: BridgeFleet, args: string[]): Promise<SendOutcome> {
  const r = await f.cli(["send", ...args, "--json"]);
  return JSON.parse(r.stdout) as SendOutcome;
}

/** A message's state, from the daemon. */
export async function messageState(f: BridgeFleet, id: string): Promise<string | undefined> {
  const res = await fetch(`http://localhost/v1/messages/${id}`, { unix: f.daemon.info.socket });
  return ((await res.json()) as { state?: string }).state;
}

/** The bridge's process (its session's pane), from `iapeer list`. */
export async function bridgePid(f: BridgeFleet): Promise<number> {
  return until(async () => {
    const list = await f.cli(["list", "--json"]);
    const rows = JSON.parse(list.stdout) as { personality: string; pid?: number }[];
    return rows.find((r) => r.personality === "bot")?.pid;
  }, "the bridge's pid");
}

/** An agent's hook event, posted as claude's `iapeer hook claude` posts it to the daemon. */
export async function postHook(
  f: BridgeFleet,
  identity: string,
  payload: Record<string, unknown>,
): Promise<void> {
  const res = await fetch("http://localhost/v1/signals", {
    method: "POST",
    unix: f.daemon.info.socket,
    body: JSON.stringify({ identity, runtime: "claude", payload }),
    headers: { "content-type": "application/json" },
  });
  expect(res.status).toBe(200);
}

/** Wait until the bridge has long-polled Telegram `n` more times (each poll of the fake waits 1 s). */
export async function telegramPolls(f: BridgeFleet, n: number): Promise<void> {
  const polls = () => f.telegram.calls.filter((c) => c.method === "getUpdates").length;
  const from = polls();
  await until(() => polls() >= from + n, `${n} more polls of Telegram`, 60_000);
}

/** The dialogs waiting, as `iapeer approvals --json` lists them. */
export async function approvals(f: BridgeFleet): Promise<{ peer: string; question: string }[]> {
  return JSON.parse((await f.cli(["approvals", "--json"])).stdout);
}
