import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { extractEnvelopes } from "../../src/codec/extract";
import { createPeer } from "../../src/registry/create";
import type { Message } from "../../src/transport/messages";
import { startDaemon } from "../helpers/daemon";
import { heldTmux } from "../helpers/held-tmux";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { tempDir } from "../helpers/temp";
import { until } from "../helpers/until";

/**
 * A daemon killed at the worst moments of a delivery: the next one finds each message by its id
 * and neither loses it nor types it twice. A tmux wrapper on the daemon's PATH holds the moment
 * open: it sleeps around the one tmux command named, spawned or sent over a control connection.
 */

type Moment = "before-paste" | "after-paste" | "after-enter";

function slowTmux(moment: Moment): string {
  const real = Bun.which("tmux");
  if (!real) throw new Error("tmux is not installed");
  const dir = tempDir();
  const [command, when]: [string, "before" | "after"] =
    moment === "before-paste"
      ? ["paste-buffer", "before"]
      : moment === "after-paste"
        ? ["paste-buffer", "after"]
        : ["Enter", "after"];
  writeFileSync(join(dir, "tmux"), heldTmux(real, command, when, join(dir, "held")));
  chmodSync(join(dir, "tmux"), 0o755);
  return dir;
}

/** Every descendant of a process, deepest first. */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) found.push(...childrenOf(Number(entry)), Number(entry));
    } catch {
      // Gone.
    }
  }
  return found;
}

function received(sb: Sandbox): string[] {
  try {
    return readFileSync(receivedLog(join(sb.layout.peersDir, "ana")), "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line).text as string);
  } catch {
    return [];
  }
}

async function crashDuring(moment: Moment) {
  const sb = sandbox();
  const host = sb.host();
  const made = createPeer(host, { name: "ana", runtime: "echo" });
  if (!made.ok) throw new Error(made.error);
  const wrapper = slowTmux(moment);
  const first = await startDaemon(sb, { PATH: `${wrapper}:${sb.env.PATH}` });
  expect((await first.api("POST", "/v1/peers/ana/wake")).status).toBe(200);
  const sent = await first.api<{ outcome: { id: string } }>("POST", "/v1/send", {
    to: "ana",
    body: `crash ${moment}`,
    wait: false,
  });
  const id = sent.body.outcome.id;
  // The daemon is inside the held moment: kill it there.
  await until(() => existsSync(join(wrapper, "held")), "the held moment");
  // The daemon first, so it can do nothing more; then the held tmux client, its own work, which
  // would otherwise go on after the hold.
  const held = childrenOf(first.proc.pid);
  await first.stop("SIGKILL");
  for (const pid of held) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // a short-lived child that had already ended
    }
  }
  const left = host.store.db
    .query("SELECT state, typing_at, typed_at FROM messages WHERE id = ?")
    .get(id) as {
    state: string;
    typing_at: string | null;
    typed_at: string | null;
  };
  expect(left.state).toBe("delivering");
  expect(left.typing_at).not.toBeNull();

  const second = await startDaemon(sb);
  const message = await until(
    async () => {
      const m = (await second.api<Message>("GET", `/v1/messages/${id}`)).body;
      return m.state !== "delivering" && m.state !== "queued" ? m : undefined;
    },
    "the message's outcome",
    30_000,
  );
  return { sb, id, left, message, second };
}

describe("a daemon killed mid-delivery: found again by its id, never typed twice", () => {
  test("killed after the paste, before it was recorded: submitted from the input line, once", async () => {
    const { sb, id, left, message } = await crashDuring("after-paste");
    expect(left.typed_at).toBeNull();
    expect(message.state).toBe("delivered");
    const texts = received(sb);
    expect(texts).toHaveLength(1);
    const envelopes = extractEnvelopes(texts[0] ?? "").envelopes;
    expect(envelopes.map((e) => e.id)).toEqual([id]);
  });

  test("killed after Enter, before the outcome was recorded: found in the history, delivered", async () => {
    const { sb, id, left, message } = await crashDuring("after-enter");
    expect(left.typed_at).not.toBeNull();
    expect(message.state).toBe("delivered");
    expect(received(sb).flatMap((t) => extractEnvelopes(t).envelopes.map((e) => e.id))).toEqual([
      id,
    ]);
  });

  test("killed before the paste: nothing on screen, back to the queue, delivered once", async () => {
    const { sb, id, left, message } = await crashDuring("before-paste");
    expect(left.typed_at).toBeNull();
    expect(message.state).toBe("delivered");
    expect(received(sb).flatMap((t) => extractEnvelopes(t).envelopes.map((e) => e.id))).toEqual([
      id,
    ]);
  });
});

describe("a peer killed mid-delivery", () => {
  test("its agent killed between the paste and Enter: typed again into the next session, once", async () => {
    const sb = sandbox();
    const host = sb.host();
    const made = createPeer(host, { name: "ana", runtime: "echo" });
    if (!made.ok) throw new Error(made.error);
    const wrapper = slowTmux("after-paste");
    const daemon = await startDaemon(sb, { PATH: `${wrapper}:${sb.env.PATH}` });
    expect((await daemon.api("POST", "/v1/peers/ana/wake")).status).toBe(200);
    const panePid = (await daemon.api<{ runtimes: { pid?: number }[] }>("GET", "/v1/peers/ana"))
      .body.runtimes[0]?.pid;
    if (!panePid) throw new Error("no pane pid");
    const sent = await daemon.api<{ outcome: { id: string } }>("POST", "/v1/send", {
      to: "ana",
      body: "through a death",
      wait: false,
    });
    await until(() => existsSync(join(wrapper, "held")), "the paste to be held");
    process.kill(panePid, "SIGKILL");
    const message = await until(
      async () => {
        const m = (await daemon.api<Message>("GET", `/v1/messages/${sent.body.outcome.id}`)).body;
        return m.state !== "delivering" && m.state !== "queued" ? m : undefined;
      },
      "the message's outcome",
      60_000,
    );
    expect(message).toMatchObject({ state: "delivered", attempts: 2 });
    expect(received(sb).flatMap((t) => extractEnvelopes(t).envelopes.map((e) => e.id))).toEqual([
      sent.body.outcome.id,
    ]);
  });
});
