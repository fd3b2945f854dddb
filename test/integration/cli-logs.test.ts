import { describe, expect, test } from "bun:test";
import { readFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { sinceForms } from "../../src/cli/since";
import { peerLog } from "../../src/core/paths";
import { Journal, type StoredEvent } from "../../src/store/journal";
import { ROOT, runSource } from "../helpers/cli";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

const MAIN = join(ROOT, "src", "cli", "main.ts");
// Names of two lengths: the shorter one's prefix is padded to line the text up.
const PING = "ping";
const PONG = "pong-two";

interface Team {
  sb: Sandbox;
  env: Record<string, string>;
  log(name: string): string;
  said(name: string, text: string): Promise<void>;
}

/** Two echo peers in real panes, each having printed one message. */
async function team(): Promise<Team> {
  const sb = sandbox({ IAPEER_PORT: "0" });
  const env = sb.env;
  const log = (name: string) => peerLog(sb.layout, `echo-${name}`);
  const said = async (name: string, text: string) => {
    const sent = runSource(["send", name, "-m", text], env);
    expect(sent.code).toBe(0);
    await until(() => readFileSync(log(name), "utf8").includes(text), `${name} printing ${text}`);
  };
  for (const name of [PING, PONG]) {
    expect(runSource(["create", name, "--runtime", "echo"], env).code).toBe(0);
    expect(runSource(["wake", name], env).code).toBe(0);
  }
  await said(PING, "hello-ping");
  await said(PONG, "hello-pong");
  return { sb, env, log, said };
}

/** The lines of `out` that carry `text`. */
const linesWith = (out: string, text: string) => out.split("\n").filter((l) => l.includes(text));

/** Run the CLI in a pseudo-terminal (stdout is a TTY) and give back all it printed. */
async function inTerminal(args: string[], env: Record<string, string>): Promise<string> {
  const decoder = new TextDecoder();
  let out = "";
  let closed!: () => void;
  const eof = new Promise<void>((resolve) => {
    closed = resolve;
  });
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    env,
    terminal: {
      cols: 400,
      data: (_t, data) => {
        out += decoder.decode(data, { stream: true });
      },
      exit: () => closed(),
    },
  });
  try {
    expect(await proc.exited).toBe(0);
    await Promise.race([eof, Bun.sleep(5000)]);
  } finally {
    proc.kill();
    proc.terminal?.close();
  }
  return out;
}

describe("iapeer logs: every peer's pane log, merged", () => {
  test("with no peer, both peers' lines, each prefixed with its name, padded", async () => {
    const { env } = await team();
    const r = runSource(["logs"], env);
    expect(r.code).toBe(0);
    expect(linesWith(r.stdout, "hello-ping").length).toBeGreaterThan(0);
    for (const l of linesWith(r.stdout, "hello-ping")) expect(l).toStartWith("ping     | ");
    expect(linesWith(r.stdout, "hello-pong").length).toBeGreaterThan(0);
    for (const l of linesWith(r.stdout, "hello-pong")) expect(l).toStartWith("pong-two | ");
    // Every line says where it came from.
    for (const l of r.stdout.trimEnd().split("\n")) expect(l).toMatch(/^(ping {4}|pong-two) \| /);
    expect(r.stdout).not.toContain("\u001b");
  });

  test("on a terminal each peer's prefix has its own colour; NO_COLOR leaves no escape at all", async () => {
    const { env } = await team();
    const { NO_COLOR: _, ...coloured } = { ...process.env, ...env };
    const out = await inTerminal(["logs"], coloured as Record<string, string>);
    const ping = linesWith(out, "hello-ping")[0] ?? "";
    const pong = linesWith(out, "hello-pong")[0] ?? "";
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a colour starts with ESC
    const colour = (l: string) => /^\u001b\[(\d+)m/.exec(l)?.[1];
    expect(colour(ping)).toBeDefined();
    expect(colour(pong)).toBeDefined();
    expect(colour(ping)).not.toBe(colour(pong));
    const plain = await inTerminal(["logs"], { ...coloured, NO_COLOR: "1" } as Record<
      string,
      string
    >);
    expect(linesWith(plain, "hello-ping")[0]).toStartWith("ping     | ");
    expect(plain).not.toContain("\u001b");
  }, 60_000);

  test("--peer restricts to the peers named, once or repeated", async () => {
    const { env } = await team();
    const one = runSource(["logs", "--peer", PING], env);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain("ping | ");
    expect(one.stdout).toContain("hello-ping");
    expect(one.stdout).not.toContain("hello-pong");
    const both = runSource(["logs", "--peer", PING, `--peer=${PONG}`], env);
    expect(both.stdout).toContain("hello-ping");
    expect(both.stdout).toContain("hello-pong");
  });

  test("a peer named alone shows its log as printed, without prefixes, as before", async () => {
    const { env } = await team();
    const r = runSource(["logs", PONG], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("hello-pong");
    expect(r.stdout).not.toContain("hello-ping");
    expect(r.stdout).not.toContain(" | ");
  });

  test("--since shows only the logs written since then (pane logs have no time per line)", async () => {
    const { env, log } = await team();
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(log(PING), hourAgo, hourAgo);
    const recent = runSource(["logs", "--since", "30m"], env);
    expect(recent.code).toBe(0);
    expect(recent.stdout).not.toContain("hello-ping");
    expect(recent.stdout).toContain("hello-pong");
    const iso = new Date(Date.now() - 7200_000).toISOString();
    const both = runSource(["logs", "--since", iso], env);
    expect(both.stdout).toContain("hello-ping");
    expect(both.stdout).toContain("hello-pong");
    expect(runSource(["logs", PING, "--since", "30m"], env).stdout).toBe("");
  });

  test("-f follows every peer: a line a peer prints later turns up, prefixed", async () => {
    const { env, said } = await team();
    const proc = Bun.spawn([process.execPath, MAIN, "logs", "-f", "-n", "5"], {
      env: { ...process.env, ...env, NO_COLOR: "1" },
      stdout: "pipe",
      stderr: "pipe",
    });
    let out = "";
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of proc.stdout) out += decoder.decode(chunk, { stream: true });
    })();
    try {
      await until(() => out.includes("hello-pong"), "the backlog");
      await said(PING, "later-ping");
      const line = await until(() => linesWith(out, "later-ping")[0], "the new line, followed");
      expect(line).toStartWith("ping     | ");
    } finally {
      proc.kill();
      await proc.exited;
      await reading;
    }
  }, 60_000);
});

describe("iapeer events: by peer, by time, by id", () => {
  const events = (env: Record<string, string>, ...args: string[]): StoredEvent[] => {
    const r = runSource(["events", "--json", ...args], env);
    expect(r.code).toBe(0);
    return r.stdout
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as StoredEvent);
  };

  test("text lines start with the id that --since takes", async () => {
    const { env } = await team();
    const all = events(env);
    const text = runSource(["events"], env).stdout.trimEnd().split("\n");
    expect(text.map((l) => Number(l.split(/\s+/)[0]))).toEqual(all.map((e) => e.id));
    const middle = all[Math.floor(all.length / 2)] as StoredEvent;
    const after = events(env, "--since", String(middle.id));
    expect(after.map((e) => e.id)).toEqual(all.filter((e) => e.id > middle.id).map((e) => e.id));
  });

  test("--since a duration or an ISO time leaves out what came before", async () => {
    const { sb, env } = await team();
    const old = new Date(Date.now() - 3600_000);
    new Journal(sb.events, sb.host().store).write("old-news", { identity: `echo-${PING}` }, old);
    const all = events(env);
    expect(all.map((e) => e.ev)).toContain("old-news");
    expect(events(env, "--since", "30m").map((e) => e.ev)).not.toContain("old-news");
    expect(events(env, "--since", "2h").map((e) => e.ev)).toContain("old-news");
    const newest = all.filter((e) => e.ev !== "old-news").at(-1) as StoredEvent;
    expect(events(env, "--since", newest.ts).map((e) => e.id)).toEqual([newest.id]);
  });

  test("--peer keeps the events about that peer: its session's, and messages to or from it", async () => {
    const { env } = await team();
    const ping = events(env, "--peer", PING);
    expect(ping.length).toBeGreaterThan(0);
    for (const e of ping) {
      expect([e.identity, e.peer, e.to, e.from]).toContainEqual(
        expect.stringMatching(/^(echo-)?ping$/),
      );
    }
    expect(ping.map((e) => e.ev)).toEqual(expect.arrayContaining(["create", "wake", "delivery"]));
    const both = events(env, "--peer", PING, "--peer", PONG);
    // Every event about a peer is about one of the two; the daemon's own are about none.
    const aboutPeers = events(env).filter((e) => [e.identity, e.peer, e.to, e.from].some(Boolean));
    expect(both.length).toBe(aboutPeers.length);
  });
});

describe("bad --since and unknown --peer", () => {
  test.each([["logs"], ["events"]])("%s --since soon is exit 2 naming the forms", async (cmd) => {
    const env = { IAPEER_HOME: sandbox().env.IAPEER_HOME as string, IAPEER_PORT: "0" };
    const r = runSource([cmd, "--since", "soon"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`iapeer: ${sinceForms(cmd === "events")}\n`);
    expect(r.stdout).toBe("");
  });

  test("logs takes no event id: a bare number is exit 2", () => {
    const env = { IAPEER_HOME: sandbox().env.IAPEER_HOME as string, IAPEER_PORT: "0" };
    const r = runSource(["logs", "--since", "12"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`iapeer: ${sinceForms(false)}\n`);
  });

  test.each([["logs"], ["events"]])("%s --peer nobody is exit 1 pointing at iapeer list", (cmd) => {
    const env = { IAPEER_HOME: sandbox().env.IAPEER_HOME as string, IAPEER_PORT: "0" };
    const r = runSource([cmd, "--peer", "nobody"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("iapeer: no peer named nobody; see `iapeer list`\n");
  });

  test("events --json with a bad --since is one JSON error", () => {
    const env = { IAPEER_HOME: sandbox().env.IAPEER_HOME as string, IAPEER_PORT: "0" };
    const r = runSource(["events", "--json", "--since", "yesterday"], env);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: sinceForms(true), code: 2 });
  });
});
