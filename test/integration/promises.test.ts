// README promises that had no test of their own: the `unconfirmed` outcome and its exit code, a
// SIGTERMed daemon finishing what it types, the crash-loop back-off, the TCP token rules, the
// event stream, the `boot-failed` death and the service commands.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { decodeEnvelope } from "../../src/codec/envelope";
import type { Host } from "../../src/home/host";
import { restartPeer } from "../../src/lifecycle/control";
import { allStates } from "../../src/lifecycle/state";
import { wakeOrSpawn } from "../../src/lifecycle/wake";
import { createPeer } from "../../src/registry/create";
import { issueToken } from "../../src/registry/tokens";
import { eventsSince } from "../../src/store/journal";
import type { SendResult } from "../../src/transport/send";
import { runSource } from "../helpers/cli";
import { startDaemon } from "../helpers/daemon";
import { freePort } from "../helpers/port";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

const BASH = "env PS1='sh> ' bash --norc --noprofile -i";

const contents = (path: string): string => (existsSync(path) ? readFileSync(path, "utf8") : "");

function peer(host: Host, input: Parameters<typeof createPeer>[1]) {
  const r = createPeer(host, input);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** What an echo peer recorded, each submission decoded as an envelope. */
function received(cwd: string) {
  return contents(receivedLog(cwd))
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const env = decodeEnvelope((JSON.parse(line) as { text: string }).text);
      if (!env.ok) throw new Error(env.error);
      return env.value;
    });
}

/** The state database, read as an onlooker (WAL: it never blocks the writers). */
function onlooker(sb: Sandbox) {
  const db = new Database(sb.layout.dbPath, { readonly: true });
  return {
    message: (id: string) =>
      db
        .query("SELECT state, attempts, typing_at, typed_at FROM messages WHERE id = ?")
        .get(id) as {
        state: string;
        attempts: number;
        typing_at: string | null;
        typed_at: string | null;
      } | null,
    close: () => db.close(),
  };
}

describe("the unconfirmed outcome, exit 11", () => {
  test("a command still running when the confirmation wait ends: send exits 11, unconfirmed, and Enter was pressed once", async () => {
    const sb = sandbox();
    const made = runSource(
      ["create", "sh", "--runtime", "command", "--command", BASH, "--prompt", "sh> "].concat([
        "--format",
        "text",
      ]),
      sb.env,
    );
    expect(made.code).toBe(0);
    // `read` holds the input line: it never clears, so the landing is never seen.
    const r = runSource(["send", "sh", "-m", 'read x; echo "got:$x" >> out.txt', "--json"], sb.env);
    expect(r.code).toBe(11);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, outcome: "unconfirmed", woke: true });
    expect(out.error).toContain("did not clear");
    const db = onlooker(sb);
    try {
      expect(db.message(out.id)).toMatchObject({ state: "unconfirmed", attempts: 1 });
    } finally {
      db.close();
    }
    expect(contents(sb.layout.deliveryLog)).toContain(
      `ev=delivery id=${out.id} from=human to=sh outcome=unconfirmed woke=true`,
    );
    // One Enter only: a second one would have been read by `read` already.
    const outFile = join(sb.layout.peersDir, "sh", "out.txt");
    expect(existsSync(outFile)).toBe(false);
    await sb.tmux(sb.identity("command", "sh")).sendKeys("command-sh", ["later", "Enter"]);
    await until(() => contents(outFile) === "got:later\n", "the command to finish");
  });

  test("a router runtime has no screen: what is written to its input is unconfirmed (exit 11), through the daemon", async () => {
    const sb = sandbox();
    const bridge = join(sb.config.home, "fake-bridge");
    writeFileSync(bridge, '#!/bin/sh\n[ "$1" = run ] || exit 2\nexec cat >> "$PEER_CWD/in.txt"\n');
    chmodSync(bridge, 0o755);
    const tg = peer(sb.host(), { name: "tg", runtime: "telegram", settings: { bin: bridge } });
    await startDaemon(sb);
    const r = runSource(["send", "tg", "-m", "to the chat", "--topic", "t1", "--json"], sb.env);
    expect(r.code).toBe(11);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      ok: true,
      outcome: "unconfirmed",
      woke: true,
      error: "a router runtime cannot confirm on screen",
    });
    // It was written to the bridge's input: the whole envelope, once.
    const input = join(tg.cwd, "in.txt");
    const got = await until(
      () => contents(input).includes("</iapeer-message>") && contents(input),
      "the bridge to read the envelope",
    );
    const env = decodeEnvelope(got.trim());
    if (!env.ok) throw new Error(env.error);
    expect(env.value).toMatchObject({
      id: out.id,
      from: "human",
      topic: "t1",
      body: "to the chat",
    });
  });
});

test("SIGTERM: the daemon finishes the message it is typing, exits 0, and leaves the rest queued for the next daemon", async () => {
  const sb = sandbox();
  const sh = peer(sb.host(), {
    name: "sh",
    runtime: "command",
    command: BASH,
    settings: { prompt: "sh> ", format: "text" },
  });
  const out = join(sh.cwd, "out.txt");
  const db = onlooker(sb);
  try {
    const d = await startDaemon(sb);
    // Each takes two seconds to confirm: the prompt comes back only when the command is done.
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const r = await d.api<SendResult>("POST", "/v1/send", {
        to: "sh",
        body: `sleep 2; echo m${n} >> out.txt`,
        wait: false,
      });
      expect(r.body.outcome.outcome).toBe("queued");
      ids.push(r.body.outcome.id as string);
    }
    const [first, ...rest] = ids as [string, ...string[]];
    await until(() => {
      const m = db.message(first);
      return m?.state === "delivering" && m.typing_at !== null;
    }, "the first message to be mid-typing");
    expect(await d.stop("SIGTERM")).toBe(0);
    expect(existsSync(join(sb.config.sockDir, "daemon.json"))).toBe(false);
    // The one being typed was finished and confirmed; the others were never touched.
    expect(db.message(first)).toMatchObject({ state: "delivered" });
    // Confirmed once its job held the terminal; the job itself finishes in the session.
    await until(() => contents(out) === "m1\n" || undefined, "the first command to have run");
    for (const id of rest)
      expect(db.message(id)).toMatchObject({ state: "queued", attempts: 0, typing_at: null });
    // The next daemon delivers the rest, in order, once each.
    await startDaemon(sb);
    await until(
      () => rest.every((id) => db.message(id)?.state === "delivered"),
      "the next daemon to deliver the rest",
      60_000,
    );
    await until(
      () => contents(out) === "m1\nm2\nm3\n" || undefined,
      "each command to have run once, in order",
    );
  } finally {
    db.close();
  }
}, 90_000);

test("the crash-loop back-off doubles each time the guard trips again, up to the maximum; restart clears it", async () => {
  const sb = sandbox({
    IAPEER_CRASH_LIMIT: "3",
    IAPEER_CRASH_WINDOW_SECS: "86400",
    IAPEER_BACKOFF_SECS: "60",
    IAPEER_BACKOFF_MAX_SECS: "200",
  });
  // A clock of the test's own: the back-offs pass without waiting for them.
  let clock = Date.now();
  const host: Host = { ...sb.host(), now: () => new Date(clock) };
  peer(host, {
    name: "dier",
    runtime: "command",
    command: "sh -c 'sleep 0.05; exit 3'",
    settings: { ready: "never" },
  });
  const backoffs = () =>
    eventsSince(host.store, 0)
      .filter((e) => e.ev === "crash-loop")
      .map((e) => e.backoff_s);
  const failedUntil = () => allStates(host).find((s) => s.personality === "dier")?.failed_until;
  const diesAtBoot = async () => {
    const r = await wakeOrSpawn(host, "dier");
    expect(r).toMatchObject({ ok: false, refusal: "launch" });
  };
  const refused = async () =>
    expect(await wakeOrSpawn(host, "dier")).toMatchObject({ ok: false, refusal: "failed" });

  for (let i = 0; i < 3; i++) await diesAtBoot();
  expect(backoffs()).toEqual([60]);
  expect(failedUntil()).toBe(new Date(clock + 60_000).toISOString());
  clock += 59_000;
  await refused();
  // Over: one more death trips it again, for twice as long, and then the maximum.
  clock += 2000;
  await diesAtBoot();
  expect(backoffs()).toEqual([60, 120]);
  expect(failedUntil()).toBe(new Date(clock + 120_000).toISOString());
  clock += 119_000;
  await refused();
  clock += 2000;
  await diesAtBoot();
  expect(backoffs()).toEqual([60, 120, 200]);
  clock += 201_000;
  await diesAtBoot();
  expect(backoffs()).toEqual([60, 120, 200, 200]);
  // restart clears the guard and starts its window anew: the restart's own death reports its
  // cause, not the guard's refusal that asks for a start; the next trip starts over at 60 s.
  clock += 1000;
  expect(await restartPeer(host, "dier")).toMatchObject({ ok: false, refusal: "launch" });
  expect(backoffs()).toEqual([60, 120, 200, 200]);
  expect(failedUntil()).toBeUndefined();
  await diesAtBoot();
  await diesAtBoot();
  expect(backoffs()).toEqual([60, 120, 200, 200, 60]);
  expect(failedUntil()).toBe(new Date(clock + 60_000).toISOString());
}, 60_000);

test("start after the guard tripped tries again and says the real cause, never the guard's own refusal", () => {
  const sb = sandbox({ IAPEER_CRASH_LIMIT: "2", IAPEER_BACKOFF_SECS: "600", IAPEER_PORT: "0" });
  const made = runSource(
    ["create", "dier", "--runtime", "command", "--command", "sh -c 'exit 3'", "--ready", "never"],
    sb.env,
  );
  expect(made.code).toBe(0);
  for (let i = 0; i < 2; i++) expect(runSource(["wake", "dier"], sb.env).code).toBe(1);
  expect(runSource(["wake", "dier"], sb.env).stderr).toContain("crash-loop guard");
  for (let i = 0; i < 3; i++) {
    const started = runSource(["start", "dier"], sb.env);
    expect(started.code).toBe(1);
    expect(started.stderr).toContain("exited with status 3 while starting");
    expect(started.stderr).not.toContain("crash-loop guard");
  }
});

test("boot-failed: a session that dies while booting is a death of that class, recorded once", () => {
  const sb = sandbox();
  const made = runSource(
    ["create", "dier", "--runtime", "command", "--command", "sh -c 'echo booting; exit 3'"].concat([
      "--ready",
      "never",
    ]),
    sb.env,
  );
  expect(made.code).toBe(0);
  const wake = runSource(["wake", "dier", "--json"], sb.env);
  expect(wake.code).toBe(1);
  expect(JSON.parse(wake.stdout)).toMatchObject({ ok: false, peer: "dier", refusal: "launch" });
  // Another pass (list runs the death pass) finds nothing new.
  expect(runSource(["list", "--json"], sb.env).code).toBe(0);
  const status = runSource(["status", "dier", "--json"], sb.env);
  expect(status.code).toBe(3); // not running
  const deaths = JSON.parse(status.stdout).deaths as Record<string, unknown>[];
  expect(deaths).toHaveLength(1);
  expect(deaths[0]).toMatchObject({ identity: "command-dier", class: "boot-failed" });
  expect(deaths[0]?.detail).toContain("exited with status 3");
});

describe("the HTTP API", () => {
  test("TCP: 401 without a valid token; a peer sends only as itself, reads only its own messages, and manages nothing (403)", async () => {
    const sb = sandbox();
    const host = sb.host();
    peer(host, { name: "ana", runtime: "echo" });
    peer(host, { name: "bob", runtime: "echo" });
    const carol = peer(host, { name: "carol", runtime: "echo" });
    const anaToken = issueToken(host.store, "ana");
    const bobToken = issueToken(host.store, "bob");
    const port = await freePort();
    const d = await startDaemon(sb, { IAPEER_PORT: String(port) });
    const tcp = async (method: string, path: string, token?: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: {
          ...(token && { authorization: `Bearer ${token}` }),
          ...(body !== undefined && { "content-type": "application/json" }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const count = () =>
      (host.store.db.query("SELECT COUNT(*) AS n FROM messages").get() as { n: number }).n;

    for (const token of [undefined, "nope", `${bobToken}x`]) {
      expect((await tcp("GET", "/v1/peers", token)).status).toBe(401);
      expect((await tcp("POST", "/v1/send", token, { to: "carol", body: "x" })).status).toBe(401);
      expect((await tcp("GET", "/v1/events", token)).status).toBe(401);
    }
    expect(count()).toBe(0);
    expect((await tcp("GET", "/v1/peers", bobToken)).status).toBe(200);

    // bob names ana as the sender: it goes as bob.
    const sent = await tcp("POST", "/v1/send", bobToken, {
      to: "carol",
      body: "from bob",
      from: "ana",
    });
    expect(sent.status).toBe(200);
    expect(sent.body.outcome).toMatchObject({ ok: true, outcome: "delivered" });
    expect(received(carol.cwd).map((e) => [e.from, e.body])).toEqual([["bob", "from bob"]]);

    // A message between ana and carol (the local user may name any sender).
    const theirs = await d.api<SendResult>("POST", "/v1/send", {
      from: "ana",
      to: "carol",
      body: "not for bob",
    });
    expect(theirs.body.outcome.outcome).toBe("delivered");
    const theirsId = theirs.body.outcome.id as string;
    const bobsId = sent.body.outcome.id as string;
    expect(await tcp("GET", `/v1/messages/${theirsId}`, bobToken)).toMatchObject({ status: 403 });
    expect(await tcp("GET", `/v1/messages/${theirsId}`, anaToken)).toMatchObject({
      status: 200,
      body: { id: theirsId, sender: "ana", recipient: "carol", state: "delivered" },
    });
    expect(await tcp("GET", `/v1/messages/${bobsId}`, bobToken)).toMatchObject({
      status: 200,
      body: { id: bobsId, sender: "bob", recipient: "carol" },
    });
    expect((await tcp("GET", `/v1/messages/${theirsId}`)).status).toBe(401);

    // Managing peers is the local user's, even a peer's own.
    for (const target of ["bob", "ana"])
      for (const action of ["wake", "stop", "start", "restart"]) {
        const r = await tcp("POST", `/v1/peers/${target}/${action}`, bobToken);
        expect([target, action, r.status]).toEqual([target, action, 403]);
      }
    const states = (await d.api<{ personality: string; state: string }[]>("GET", "/v1/peers")).body;
    expect(states.find((s) => s.personality === "ana")?.state).toBe("asleep");
    expect(states.find((s) => s.personality === "bob")?.state).toBe("asleep");
    // The same route on the unix socket is the local user's.
    expect((await d.api("POST", "/v1/peers/ana/stop")).status).toBe(200);
  });

  test("GET /v1/events: server-sent events, replayed from ?since=<id>, then live", async () => {
    const sb = sandbox();
    const host = sb.host();
    peer(host, { name: "ana", runtime: "echo" });
    const d = await startDaemon(sb);
    expect((await d.api("POST", "/v1/peers/ana/wake")).status).toBe(200);
    const history = eventsSince(host.store, 0);
    expect(history.length).toBeGreaterThan(3);
    const since = (history[1] as { id: number }).id;
    const replay = history.filter((e) => e.id > since);

    const abort = new AbortController();
    const res = await fetch(`http://localhost/v1/events?since=${since}`, {
      unix: d.info.socket,
      signal: abort.signal,
    });
    try {
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      const frames = sseFrames(res);
      for (const want of replay) {
        const frame = await frames.next();
        expect(frame.id).toBe(String(want.id));
        expect(frame.event).toBe(want.ev);
        expect(frame.data).toEqual(JSON.parse(JSON.stringify(want)));
      }
      // Then what happens from now on, as it happens.
      expect((await d.api("POST", "/v1/peers/ana/stop")).status).toBe(200);
      for (;;) {
        const frame = await frames.next();
        expect(Number(frame.id)).toBeGreaterThan(replay.at(-1)?.id ?? since);
        if (frame.event === "stop") {
          expect(frame.data).toMatchObject({ ev: "stop", identity: "echo-ana" });
          break;
        }
      }
    } finally {
      abort.abort();
    }
  });
});

/** The frames of a server-sent event stream, one at a time (each within 20 s). */
function sseFrames(res: Response) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next(): Promise<{ id?: string; event?: string; data: Record<string, unknown> }> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const raw = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (raw.startsWith(":")) continue; // a keep-alive comment
          const fields: Record<string, string> = {};
          for (const line of raw.split("\n")) {
            const colon = line.indexOf(": ");
            fields[line.slice(0, colon)] = line.slice(colon + 2);
          }
          return {
            ...(fields.id !== undefined && { id: fields.id }),
            ...(fields.event !== undefined && { event: fields.event }),
            data: JSON.parse(fields.data ?? "null"),
          };
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error("no event within 20 s");
        const chunk = await Promise.race([
          reader.read(),
          Bun.sleep(left).then(() => ({ done: true, value: undefined, timedOut: true })),
        ]);
        if ("timedOut" in chunk) throw new Error("no event within 20 s");
        if (chunk.done) throw new Error("the event stream ended");
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
  };
}

describe("service install --print and service status, through the CLI", () => {
  test("--print prints the file and writes nothing; status says installed or not; install writes what --print showed", () => {
    const sb = sandbox();
    const units = join(sb.config.home, "units");
    const agents = join(sb.config.home, "agents");
    const env = {
      ...sb.env,
      IAPEER_SERVICE_MANAGER: "none",
      IAPEER_SYSTEMD_DIR: units,
      IAPEER_LAUNCHAGENTS_DIR: agents,
    };
    const darwin = process.platform === "darwin";
    const fileOf = (name: string) =>
      darwin ? join(agents, `com.iapeer.${name}.plist`) : join(units, `iapeer-${name}.service`);
    const mark = darwin ? "IapeerManagedBy" : "X-Iapeer-Managed-By";
    const written = () =>
      [units, agents].flatMap((dir) => (existsSync(dir) ? readdirSync(dir) : [])).sort();

    const printed = runSource(["service", "install", "--daemon", "--print"], env);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain(mark);
    expect(printed.stdout).toContain(`IAPEER_HOME=${sb.config.home}`);
    if (!darwin) expect(printed.stdout).toMatch(/^ExecStart=.* daemon$/m);
    expect(written()).toEqual([]);

    const before = runSource(["service", "status", "--daemon", "--json"], env);
    // Not installed: 4, as systemctl says for no such unit.
    expect(before.code).toBe(4);
    expect(JSON.parse(before.stdout)).toEqual({
      name: "daemon",
      manager: "none",
      path: fileOf("daemon"),
      installed: false,
    });
    const missing = runSource(["service", "status", "--daemon"], env);
    expect(missing.stdout).toContain("not installed");
    expect(missing.code).toBe(4);

    const installed = runSource(["service", "install", "--daemon", "--json"], env);
    expect(installed.code).toBe(0);
    expect(JSON.parse(installed.stdout)).toMatchObject({
      ok: true,
      path: fileOf("daemon"),
      changed: true,
      commands: [],
    });
    expect(readFileSync(fileOf("daemon"), "utf8")).toBe(printed.stdout);
    expect(JSON.parse(runSource(["service", "status", "--daemon", "--json"], env).stdout)).toEqual({
      name: "daemon",
      manager: "none",
      path: fileOf("daemon"),
      installed: true,
    });
    const there = runSource(["service", "status", "--daemon"], env);
    expect(there.stdout).toContain(`daemon (none): installed at ${fileOf("daemon")}`);
    expect(there.code).toBe(0);

    // An always-on peer: the file runs `run-always-on <identity>`.
    expect(runSource(["create", "bot", "--runtime", "echo", "--always-on"], env).code).toBe(0);
    const peerPrinted = runSource(["service", "install", "--peer", "bot", "--print"], env);
    expect(peerPrinted.code).toBe(0);
    if (!darwin) expect(peerPrinted.stdout).toMatch(/^ExecStart=.* run-always-on echo-bot$/m);
    expect(
      JSON.parse(runSource(["service", "status", "--peer", "bot", "--json"], env).stdout),
    ).toMatchObject({ name: "echo-bot", manager: "none", installed: true });
    expect(readFileSync(fileOf("echo-bot"), "utf8")).toBe(peerPrinted.stdout);

    // Exactly one of --daemon and --peer.
    expect(runSource(["service", "status"], env).code).toBe(2);
    expect(runSource(["service", "status", "--daemon", "--peer", "bot"], env).code).toBe(2);
    expect(runSource(["service", "status", "--peer", "ghost"], env).code).toBe(1);
  });
});
