import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { REPLY_TOPIC, replyTo } from "../../src/agent/reply";
import { buildEnvelope } from "../../src/codec/envelope";
import { pidAlive } from "../../src/launch/pid";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

function env(
  from: string,
  body: string,
  topic?: string,
  intelligence: "absent" | "natural" = "absent",
): string {
  const r = buildEnvelope({
    from,
    runtime: "echo",
    intelligence,
    ts: new Date().toISOString(),
    body,
    ...(topic && { topic }),
  });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe("the echo agent's replies are bounded", () => {
  test("round k/N is answered with k+1 until N", () => {
    expect(replyTo(env("ping", "round 1/3", "demo"), "pong")).toEqual({
      to: "ping",
      body: "round 2/3",
      topic: "demo",
    });
    expect(replyTo(env("ping", "round 3/3", "demo"), "pong")).toBeUndefined();
  });
  test("anything else from a peer gets one echo; an echo is never answered; people and itself are not", () => {
    expect(replyTo(env("ana", "hello"), "pong")).toEqual({
      to: "ana",
      body: "echo: hello",
      topic: REPLY_TOPIC,
    });
    expect(replyTo(env("ana", "echo: hello", REPLY_TOPIC), "pong")).toBeUndefined();
    expect(replyTo(env("human", "hi", undefined, "natural"), "pong")).toBeUndefined();
    expect(replyTo(env("pong", "round 1/3"), "pong")).toBeUndefined();
    expect(replyTo("typed by hand", "pong")).toBeUndefined();
  });
});

test("demo: starts a daemon, ping and pong talk for the rounds asked, all confirmed", async () => {
  const sb = sandbox();
  const r = runSource(["demo", "--rounds", "4"], { ...sb.env, IAPEER_PORT: "0" });
  const infoPath = `${sb.config.sockDir}/daemon.json`;
  const pid = existsSync(infoPath)
    ? (JSON.parse(readFileSync(infoPath, "utf8")) as { pid: number }).pid
    : 0;
  try {
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ping → pong: round 1/4");
    expect(r.stdout).toContain("pong → ping: round 4/4");
    expect(r.stderr + r.stdout).toContain("4 rounds, all delivered and confirmed on screen");
    // iapeer is not on this PATH: the hint names the CLI as it was run, from source here.
    expect(r.stdout).toContain(" src/cli/main.ts attach ping`");
    expect(r.stdout).not.toContain("`iapeer attach");
    // The daemon it started stays up in the background, on this home.
    expect(existsSync(infoPath)).toBe(true);
    expect(pid).toBeGreaterThan(0);
    expect(pidAlive(pid)).toBe(true);
    const status = runSource(["status", "--json"], { ...sb.env, IAPEER_PORT: "0" });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).daemon).toMatchObject({ up: true, pid });
    // ping and pong stay up too.
    const list = JSON.parse(runSource(["list", "--json"], sb.env).stdout) as {
      personality: string;
      state: string;
    }[];
    expect(list.map((row) => [row.personality, row.state]).sort()).toEqual([
      ["ping", "live"],
      ["pong", "live"],
    ]);
  } finally {
    if (pid) process.kill(pid, "SIGTERM");
  }
  expect(pid).toBeGreaterThan(0);
  for (const until = Date.now() + 15_000; Date.now() < until && pidAlive(pid); )
    await Bun.sleep(50);
  expect(pidAlive(pid)).toBe(false);
  expect(existsSync(infoPath)).toBe(false);
});
