import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { decodeEnvelope } from "../../src/codec/envelope";
import { terminalSafe } from "../../src/codec/terminal-safe";
import type { Host } from "../../src/home/host";
import { startPeer, stopPeer } from "../../src/lifecycle/control";
import { wakeOrSpawn } from "../../src/lifecycle/wake";
import { createPeer } from "../../src/registry/create";
import { Tmux } from "../../src/tmux/client";
import { Dispatcher } from "../../src/transport/dispatcher";
import { getMessage } from "../../src/transport/messages";
import { send } from "../../src/transport/send";
import { readInput } from "../../src/transport/type-in";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

function echoPeer(host: Host, name: string) {
  const r = createPeer(host, { name, runtime: "echo" });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** What the echo agent recorded, each submission decoded as an envelope. */
function received(cwd: string) {
  const path = receivedLog(cwd);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const text = (JSON.parse(line) as { text: string }).text;
      const env = decodeEnvelope(text);
      return env.ok ? env.value : { raw: text };
    });
}

/** Wake the peer and leave a human's unsent draft on its input line (seen on screen). */
async function withDraft(host: Host, name: string, draft: string): Promise<Tmux> {
  const woke = await wakeOrSpawn(host, name);
  if (!woke.ok) throw new Error(woke.error);
  const tmux = new Tmux(woke.session.socket);
  await tmux.sendKeys(woke.session.identity, [draft], true);
  await until(
    async () => (await readInput(tmux, woke.session.identity, "❯"))?.line === draft,
    "the draft to show on the input line",
  );
  return tmux;
}

/** The one message to a recipient, whatever its state. */
function onlyMessage(host: Host, recipient: string) {
  const row = host.store.db.query("SELECT id FROM messages WHERE recipient = ?").all(recipient) as {
    id: string;
  }[];
  if (row.length > 1) throw new Error(`${row.length} messages to ${recipient}`);
  return row[0] && getMessage(host.store, row[0].id);
}

/** For a second, watch that the message is held back: its paste not begun, the draft alone. */
async function holds(host: Host, tmux: Tmux, id: string, draft: string, cwd: string) {
  for (const end = Date.now() + 1000; Date.now() < end; await Bun.sleep(50)) {
    expect(getMessage(host.store, id)).toMatchObject({ state: "delivering" });
    expect(getMessage(host.store, id)?.typingAt).toBeUndefined();
    expect(
      (await readInput(tmux, `echo-${getMessage(host.store, id)?.recipient}`, "❯"))?.line,
    ).toBe(draft);
    expect(existsSync(receivedLog(cwd))).toBe(false);
  }
}

describe("sending into an echo peer", () => {
  test("an asleep peer is woken and the message delivered; the agent records exactly the body", async () => {
    const sb = sandbox();
    const host = sb.host();
    const ana = echoPeer(host, "ana");
    const r = await send(
      host,
      new Dispatcher(host),
      { from: "human", to: "ana", body: "hello, ana", topic: "greeting" },
      true,
    );
    expect(r.outcome).toMatchObject({ ok: true, outcome: "delivered", woke: true });
    const got = received(ana.cwd);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      id: r.outcome.id,
      from: "human",
      runtime: "cli",
      intelligence: "natural",
      topic: "greeting",
      body: "hello, ana",
    });
    const stored = getMessage(host.store, r.outcome.id as string);
    expect(stored).toMatchObject({ state: "delivered", attempts: 1, woke: true });
    const log = readFileSync(sb.layout.deliveryLog, "utf8");
    expect(log).toContain(
      `ev=delivery id=${r.outcome.id} from=human to=ana outcome=delivered woke=true`,
    );
    expect(log).not.toContain("hello, ana");
  });

  test("a hostile body is typed safely: no keystroke injected, the sanitised text recorded", async () => {
    const sb = sandbox();
    const host = sb.host();
    const ana = echoPeer(host, "ana");
    const hostile = `start "quotes" 'single' <tag> & \u001b[201~ injected\r\nline two\u001b[2J\u0000nul \u001b]0;title\u0007 ${"x".repeat(15_900)} end`;
    const r = await send(
      host,
      new Dispatcher(host),
      { from: "human", to: "ana", body: hostile },
      true,
    );
    expect(r.outcome.outcome).toBe("delivered");
    const got = received(ana.cwd);
    expect(got).toHaveLength(1); // one submission: the ESC[201~ did not end the paste early
    expect(got[0]).toMatchObject({ body: terminalSafe(hostile) });
  });

  test("over-limit and malformed sends are bad input and store nothing", async () => {
    const sb = sandbox();
    const host = sb.host();
    echoPeer(host, "ana");
    const d = new Dispatcher(host);
    const big = await send(host, d, { from: "human", to: "ana", body: "x".repeat(16_001) }, true);
    expect(big).toEqual({
      badInput: true,
      outcome: {
        ok: false,
        outcome: "failed",
        woke: false,
        error:
          "message body is 16001 characters, the limit is 16000; put the long content in a file and send its path",
      },
    });
    expect((await send(host, d, { from: "nobody", to: "ana", body: "x" }, true)).badInput).toBe(
      true,
    );
    expect((await send(host, d, { from: "human", to: "Bad Name", body: "x" }, true)).badInput).toBe(
      true,
    );
    expect(
      (host.store.db.query("SELECT COUNT(*) AS n FROM messages").get() as { n: number }).n,
    ).toBe(0);
  });

  test("a stopped peer refuses; --defer keeps the message until start delivers it", async () => {
    const sb = sandbox();
    const host = sb.host();
    const ana = echoPeer(host, "ana");
    const d = new Dispatcher(host);
    await stopPeer(host, "ana");
    const refused = await send(host, d, { from: "human", to: "ana", body: "x" }, true);
    expect(refused).toMatchObject({ badInput: false, outcome: { ok: false, outcome: "failed" } });
    const deferred = await send(
      host,
      d,
      { from: "human", to: "ana", body: "later", defer: true },
      false,
    );
    expect(deferred.outcome).toMatchObject({ ok: true, outcome: "queued" });
    await startPeer(host, "ana");
    await d.kick("ana");
    expect(getMessage(host.store, deferred.outcome.id as string)?.state).toBe("delivered");
    expect(received(ana.cwd).map((e) => ("body" in e ? e.body : ""))).toEqual(["later"]);
  });

  test("a human's unsent draft holds the message until it is sent, and the message goes right after", async () => {
    const sb = sandbox();
    const host = sb.host();
    const ana = echoPeer(host, "ana");
    const tmux = await withDraft(host, "ana", "my draft");
    // A wait far longer than the test may run: only the draft being sent can let it go.
    const pending = send(
      host,
      new Dispatcher(host, { draftWaitMs: 600_000, confirmMs: 5000, enterRetries: 2 }),
      { from: "human", to: "ana", body: "waits its turn" },
      true,
    );
    const id = await until(
      () => onlyMessage(host, "ana")?.state === "delivering" && onlyMessage(host, "ana")?.id,
      "the worker to take the message",
    );
    // Held: a while later nothing is pasted, the draft is as the human left it.
    await holds(host, tmux, id, "my draft", ana.cwd);
    const sentAt = new Date().toISOString();
    await tmux.sendKeys("echo-ana", ["Enter"]); // the human sends the draft
    const r = await pending;
    expect(r.outcome).toMatchObject({ id, outcome: "delivered" });
    expect((getMessage(host.store, id)?.typingAt ?? "") >= sentAt).toBe(true);
    const got = received(ana.cwd);
    expect(got).toHaveLength(2);
    expect(got[0]).toEqual({ raw: "my draft" });
    expect(got[1]).toMatchObject({ id, body: "waits its turn" });
  });

  test("a draft nobody sends holds the message, never merged with it; it goes once the draft is sent", async () => {
    const sb = sandbox();
    const host = sb.host();
    const ana = echoPeer(host, "ana");
    const tmux = await withDraft(host, "ana", "my draft");
    const draftWaitMs = 2000;
    const dispatcher = new Dispatcher(host, { draftWaitMs, confirmMs: 5000, enterRetries: 2 });
    const r = await send(host, dispatcher, { from: "human", to: "ana", body: "waits" }, true);
    // The sender hears why, once the draft wait is over; nothing was typed.
    expect(r.outcome).toMatchObject({ outcome: "queued" });
    expect(r.outcome.reason).toContain("a person's unsent text is on the input line");
    expect((await readInput(tmux, "echo-ana", "❯"))?.line).toBe("my draft");
    expect(received(ana.cwd)).toEqual([]);
    // The person sends their draft: the message follows, on its own.
    await tmux.sendKeys("echo-ana", ["Enter"]);
    await until(() => received(ana.cwd).length === 2, "the draft, then the message", 30_000);
    const got = received(ana.cwd);
    expect(got[0]).toEqual({ raw: "my draft" });
    expect(got[1]).toMatchObject({ id: r.outcome.id, body: "waits" });
    await until(
      () => getMessage(host.store, r.outcome.id as string)?.state === "delivered",
      "the message to be delivered",
    );
    await dispatcher.stop();
  });

  test("the CLI: outcomes and exit codes", () => {
    const sb = sandbox();
    expect(runSource(["create", "ana", "--runtime", "echo"], sb.env).code).toBe(0);
    const ok = runSource(["send", "ana", "--message", "hi", "--json"], sb.env);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, outcome: "delivered", woke: true });
    const queued = runSource(["send", "ana", "-m", "later", "--no-wait", "--json"], sb.env);
    expect(queued.code).toBe(10);
    expect(JSON.parse(queued.stdout)).toMatchObject({ outcome: "queued" });
    expect(runSource(["send", "ana", "-m", "x".repeat(16_001)], sb.env).code).toBe(2);
    expect(runSource(["send", "ghost", "-m", "x"], sb.env).code).toBe(1);
    expect(runSource(["send", "ana"], sb.env).code).toBe(2);
    // The queued one goes out with the next send to that peer, in order.
    expect(runSource(["send", "ana", "-m", "after"], sb.env).code).toBe(0);
    expect(
      received(join(sb.layout.peersDir, "ana")).map((e) => ("body" in e ? e.body : "")),
    ).toEqual(["hi", "later", "after"]);
  });
});

test("a retried send with the same key is stored once", async () => {
  const sb = sandbox();
  const host = sb.host();
  const ana = echoPeer(host, "ana");
  const d = new Dispatcher(host);
  const first = await send(host, d, { from: "human", to: "ana", body: "once", key: "k-1" }, true);
  const again = await send(host, d, { from: "human", to: "ana", body: "once", key: "k-1" }, true);
  expect(again.outcome.id).toBe(first.outcome.id as string);
  expect(again.outcome.outcome).toBe("delivered");
  expect(received(ana.cwd)).toHaveLength(1);
});

test("a key is its sender's own: the same key from another sender, or to another peer, is a new message", async () => {
  const sb = sandbox();
  const host = sb.host();
  const ka = echoPeer(host, "ka");
  const kb = echoPeer(host, "kb");
  echoPeer(host, "w");
  const d = new Dispatcher(host);
  const mine = await send(
    host,
    d,
    { from: "human", to: "ka", body: "from a person", key: "job-1" },
    true,
  );
  const theirs = await send(host, d, { from: "w", to: "ka", body: "from w", key: "job-1" }, true);
  const elsewhere = await send(
    host,
    d,
    { from: "human", to: "kb", body: "to kb", key: "job-1" },
    true,
  );
  const ids = [mine, theirs, elsewhere].map((r) => r.outcome.id);
  expect(new Set(ids).size).toBe(3);
  for (const r of [mine, theirs, elsewhere]) expect(r.outcome.outcome).toBe("delivered");
  expect(received(ka.cwd).map((e) => ("body" in e ? e.body : ""))).toEqual([
    "from a person",
    "from w",
  ]);
  expect(received(kb.cwd)).toHaveLength(1);
  // The sender's own retry still finds its first send.
  const retry = await send(host, d, { from: "w", to: "ka", body: "from w", key: "job-1" }, true);
  expect(retry.outcome.id).toBe(theirs.outcome.id as string);
  expect(received(ka.cwd)).toHaveLength(2);
});

test("double-width, combining and right-to-left text confirms like ASCII, each typed once", async () => {
  const sb = sandbox();
  const host = sb.host();
  const ana = echoPeer(host, "ana");
  const d = new Dispatcher(host);
  const bodies = [
    "ok 你好".repeat(10),
    "🎉👩‍👩‍👧‍👦 emoji 🚀".repeat(5),
    "e\u0301 a\u0308 combining n\u0303",
    "שלום עולם مرحبا بالعالم",
    "長い行".repeat(120),
  ];
  for (const body of bodies) {
    const r = await send(host, d, { from: "human", to: "ana", body }, true);
    expect(r.outcome.outcome).toBe("delivered");
  }
  expect(received(ana.cwd).map((e) => ("body" in e ? e.body : ""))).toEqual(bodies);
});
