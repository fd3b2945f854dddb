import { describe, expect, test } from "bun:test";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SendOutcome } from "../src/transport/types";
import {
  type BridgeFleet,
  bridgeFleet,
  CHAT,
  iapeerUnderTest,
  STRANGER,
  TOKEN,
} from "./helpers/bridge-fleet";
import { chatMessage } from "./helpers/telegram";
import { tempDir } from "./helpers/temp";
import { until } from "./helpers/until";

/** Wake the bridge and wait until it polls Telegram. */
async function bridgeUp(f: BridgeFleet): Promise<void> {
  const woke = await f.cli(["wake", "bot"]);
  expect(woke.code).toBe(0);
  await until(
    () => f.telegram.calls.some((c) => c.method === "getUpdates"),
    "the bridge's first getUpdates",
    30_000,
  );
}

async function sendJson(f: BridgeFleet, args: string[]): Promise<SendOutcome> {
  const r = await f.cli(["send", ...args, "--json"]);
  return JSON.parse(r.stdout) as SendOutcome;
}

describe("the telegram bridge, chat to peers", () => {
  test("a chat message reaches an echo peer from the bridge's peer, marked as a person's", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    f.telegram.push(chatMessage(CHAT, "@ana review PR 12"));
    const got = await until(
      () => f.received("ana").find((t) => t.includes("review PR 12")),
      "ana to get the chat message",
      60_000,
    );
    // A person (natural) through the bridge (runtime telegram), as the bridge's peer.
    expect(got).toContain('from="bot"');
    expect(got).toContain('runtime="telegram"');
    expect(got).toContain('intelligence="natural"');
    expect(got).toContain("<![CDATA[review PR 12]]>");
  }, 120_000);

  test("a reply to a peer's message in the chat goes back to that peer", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    expect((await sendJson(f, ["ana", "--message", "wake up"])).outcome).toBe("delivered");
    const out = await sendJson(f, ["bot", "--from", "ana", "--message", "PR 12 is done"]);
    expect(out.outcome).toBe("delivered");
    const mine = f.telegram.sent.find((m) => m.text.includes("PR 12 is done"));
    expect(mine?.text).toBe("ana:\nPR 12 is done");
    f.telegram.push(
      chatMessage(CHAT, "thanks, merge it", {
        reply_to_message: {
          message_id: mine?.messageId,
          chat: { id: CHAT },
          from: { id: 42, is_bot: true },
          text: mine?.text,
        },
      }),
    );
    await until(
      () => f.received("ana").find((t) => t.includes("thanks, merge it")),
      "the reply to reach ana",
      60_000,
    );
  }, 120_000);
});

describe("the telegram bridge, peers to chat", () => {
  test("`iapeer send bot` appears in the chat naming its sender, as plain text, split when long", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    const sneaky = "look *here* [click](http://evil.example) <b>x</b>";
    const out = await sendJson(f, ["bot", "--message", sneaky]);
    expect(out).toMatchObject({ ok: true, outcome: "delivered" });
    const plain = f.telegram.sent.find((m) => m.text.includes("look"));
    expect(plain?.text).toBe(`human:\n${sneaky}`);
    expect(plain?.chat).toBe(String(CHAT));
    // No parse_mode: Telegram shows the characters, formats nothing and links nothing.
    expect(plain?.params.parse_mode).toBeUndefined();

    const long = Array.from({ length: 400 }, (_, i) => `line ${i} of a long report`).join("\n");
    const big = await sendJson(f, ["bot", "--from", "ana", "--message", long]);
    expect(big.outcome).toBe("delivered");
    const parts = f.telegram.sent.filter((m) => m.text.startsWith("ana ["));
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.text.length).toBeLessThanOrEqual(4096);
    const rejoined = parts.map((p) => p.text.slice(p.text.indexOf("\n") + 1)).join("\n");
    expect(rejoined).toBe(long);
  }, 120_000);
});

describe("the telegram bridge, who is heard", () => {
  test("a stranger's chat is ignored, button taps included, and logged by id only", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    f.telegram.push(chatMessage(STRANGER, "@ana stranger says rm -rf"));
    f.telegram.push({
      callback_query: {
        id: "q-stranger",
        from: { id: STRANGER, is_bot: false },
        message: { message_id: 7, chat: { id: STRANGER }, text: "x" },
        data: "approve:1",
      },
    });
    f.telegram.push({
      callback_query: {
        id: "q-friend",
        from: { id: CHAT, is_bot: false },
        message: { message_id: 8, chat: { id: CHAT }, text: "x" },
        data: "approve:1",
      },
    });
    // After the stranger's updates: once this one is through, theirs were handled.
    f.telegram.push(chatMessage(CHAT, "@ana after the stranger"));
    await until(
      () => f.received("ana").find((t) => t.includes("after the stranger")),
      "the friend's message to reach ana",
      60_000,
    );
    expect(f.received("ana").join("\n")).not.toContain("stranger says");
    expect(f.telegram.sent.filter((m) => m.chat === String(STRANGER))).toEqual([]);
    const answered = f.telegram.calls
      .filter((c) => c.method === "answerCallbackQuery")
      .map((c) => c.params.callback_query_id);
    // The friend's tap is answered (the phone stops waiting); the stranger's gets nothing.
    expect(answered).toEqual(["q-friend"]);
    const log = await until(
      () => (f.bridgeLog().includes(`chat=${STRANGER}`) ? f.bridgeLog() : undefined),
      "the bridge to log the stranger",
    );
    expect(log).toContain(`ev=telegram-stranger chat=${STRANGER} user=${STRANGER}`);
    expect(log).not.toContain("rm -rf");
  }, 120_000);
});

/** Every process's argv on this machine that holds `text`. */
function argvHolding(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (argv.includes(text)) found.push(`${pid}: ${argv.replaceAll("\0", " ")}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Every file under `dir` that holds `text`. */
function filesHolding(dir: string, text: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    try {
      if (readFileSync(path).includes(text)) found.push(path);
    } catch {
      // a socket or a file gone meanwhile
    }
  }
  return found;
}

describe("the telegram bridge, the token", () => {
  test("appears in no process's argv or environment, no log and no error", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    f.telegram.push(chatMessage(CHAT, "@ana token check"));
    await until(() => f.received("ana").find((t) => t.includes("token check")), "ana", 60_000);
    expect((await sendJson(f, ["bot", "--message", "back to you"])).outcome).toBe("delivered");
    const pid = await bridgePid(f);
    // The bridge is the iapeer under test itself (the compiled binary with IAPEER_TEST_BINARY).
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    expect(argv[0]).toBe(iapeerUnderTest()[0] as string);
    expect(argv).toContain("telegram-bridge");
    expect(argvHolding(TOKEN)).toEqual([]);
    expect(readFileSync(`/proc/${pid}/environ`, "utf8")).not.toContain(TOKEN);
    expect(filesHolding(f.sb.config.home, TOKEN)).toEqual([]);

    // Errors name the file, never what is in it: a refused token, then a file others can read.
    const wrong = join(tempDir("iapeer-tg-"), "wrong-token");
    writeFileSync(wrong, `${TOKEN}x\n`, { mode: 0o600 });
    const refused = await f.cli(["telegram-bridge", "--peer", "bot"], {
      IAPEER_TELEGRAM_TOKEN_FILE: wrong,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Telegram refused the bot token in ${wrong}`);
    expect(refused.stderr + refused.stdout).not.toContain(TOKEN);
    chmodSync(f.tokenFile, 0o644);
    const open = await f.cli(["telegram-bridge", "--peer", "bot"]);
    expect(open.code).toBe(1);
    expect(open.stderr).toContain(`has mode 644`);
    expect(open.stderr).toContain(`chmod 600 ${f.tokenFile}`);
    expect(open.stderr + open.stdout).not.toContain(TOKEN);
    expect(filesHolding(f.sb.config.home, TOKEN)).toEqual([]);
  }, 120_000);
});

describe("the telegram bridge loses nothing", () => {
  test("through a storm of 429s, every message reaches the chat, in order", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    f.telegram.tooManyRequests("sendMessage", 4, 1);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const out = await sendJson(f, ["bot", "--no-wait", "--message", `storm ${n}`]);
      expect(out.outcome).toBe("queued");
      ids.push(out.id as string);
    }
    await until(
      () => f.telegram.sent.filter((m) => m.text.includes("storm")).length === 3,
      "all three through the storm",
      60_000,
    );
    expect(f.telegram.sent.map((m) => m.text).filter((t) => t.includes("storm"))).toEqual([
      "human:\nstorm 1",
      "human:\nstorm 2",
      "human:\nstorm 3",
    ]);
    for (const id of ids)
      await until(
        async () => (await messageState(f, id)) === "delivered",
        `message ${id} to be delivered`,
      );
    // Waited as Telegram asked, not hammered: 4 refusals, then one call per message.
    const calls = f.telegram.calls.filter((c) => c.method === "sendMessage").length;
    expect(calls).toBe(4 + 3);
    expect(f.bridgeLog()).toContain("ev=telegram-retry");
  }, 120_000);

  test("a bridge killed mid-delivery, then started again, delivers the message", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    f.telegram.hold();
    const out = await sendJson(f, ["bot", "--no-wait", "--message", "survive the crash"]);
    await until(() => f.telegram.held() === 1, "the bridge to be sending it");
    expect(await messageState(f, out.id as string)).toBe("delivering");
    process.kill(await bridgePid(f), "SIGKILL");
    await until(async () => {
      const list = await f.cli(["list", "--json"]);
      const rows = JSON.parse(list.stdout) as { personality: string; state: string }[];
      return rows.find((r) => r.personality === "bot")?.state === "asleep";
    }, "the bridge's session to be seen dead");
    f.telegram.release();
    expect(f.telegram.sent).toEqual([]);
    expect(await messageState(f, out.id as string)).toBe("delivering");
    const woke = await f.cli(["wake", "bot"]);
    expect(woke.code).toBe(0);
    await until(
      () => f.telegram.sent.find((m) => m.text === "human:\nsurvive the crash"),
      "the message after the restart",
      60_000,
    );
    await until(
      async () => (await messageState(f, out.id as string)) === "delivered",
      "the message to be delivered",
    );
  }, 120_000);
});

describe("the telegram bridge loses nothing, whoever restarts", () => {
  test("a daemon killed while Telegram is down: the message reaches the chat once both are back", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    f.telegram.hold();
    const out = await sendJson(f, ["bot", "--no-wait", "--message", "through it all"]);
    await until(() => f.telegram.held() === 1, "the bridge to be sending it");
    await f.daemon.kill();
    // Telegram answers the held request 502 (an outage): the bridge tries again, and its ack
    // waits for the daemon to be back.
    f.telegram.release();
    await f.daemon.start();
    await until(
      () => f.telegram.sent.find((m) => m.text === "human:\nthrough it all"),
      "the message in the chat",
      60_000,
    );
    await until(
      async () => (await messageState(f, out.id as string)) === "delivered",
      "the new daemon to have it delivered",
    );
    expect(f.telegram.sent.filter((m) => m.text.includes("through it all")).length).toBe(1);
    expect(f.bridgeLog()).toContain("ev=telegram-retry");
  }, 120_000);
});

async function messageState(f: BridgeFleet, id: string): Promise<string | undefined> {
  const res = await fetch(`http://localhost/v1/messages/${id}`, { unix: f.daemon.info.socket });
  return ((await res.json()) as { state?: string }).state;
}

/** The bridge's process (its session's pane), from `iapeer list`. */
async function bridgePid(f: BridgeFleet): Promise<number> {
  return until(async () => {
    const list = await f.cli(["list", "--json"]);
    const rows = JSON.parse(list.stdout) as { personality: string; pid?: number }[];
    return rows.find((r) => r.personality === "bot")?.pid;
  }, "the bridge's pid");
}

describe("the telegram bridge, in the chat", () => {
  test("/peers lists the peers and their states, /queue what waits", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    f.telegram.push(chatMessage(CHAT, "/peers"));
    const peers = await until(
      () => f.telegram.sent.find((m) => m.text.includes("bot (telegram)")),
      "the answer to /peers",
      60_000,
    );
    expect(peers.text).toBe("ana (echo): asleep\nbot (telegram): live");
    f.telegram.push(chatMessage(CHAT, "/queue@iapeer_test_bot"));
    await until(
      () => f.telegram.sent.find((m) => m.text === "Nothing is waiting."),
      "the answer to /queue",
      60_000,
    );
    f.telegram.push(chatMessage(CHAT, "no one named"));
    await until(
      () => f.telegram.sent.find((m) => m.text.startsWith("Who is it for?")),
      "the bridge to ask who a message is for",
      60_000,
    );
    f.telegram.push(chatMessage(CHAT, "@nobody hello"));
    const refused = await until(
      () => f.telegram.sent.find((m) => m.text.startsWith("Not sent:")),
      "the refusal of a message to no peer",
      60_000,
    );
    expect(refused.text).toContain("no peer named nobody");
  }, 120_000);

  test("with no chat allowed it hears no one, logs who writes, and keeps messages for later", async () => {
    const f = await bridgeFleet({ IAPEER_TELEGRAM_CHATS: "" });
    await bridgeUp(f);
    f.telegram.push(chatMessage(CHAT, "@ana hello?"));
    await until(
      () => f.bridgeLog().includes(`ev=telegram-stranger chat=${CHAT}`),
      "the bridge to log the writer's chat id",
    );
    const out = await sendJson(f, ["bot", "--no-wait", "--message", "kept for later"]);
    // A full long poll of Telegram later, it is still waiting, not taken.
    const polls = f.telegram.calls.filter((c) => c.method === "getUpdates").length;
    await until(
      () => f.telegram.calls.filter((c) => c.method === "getUpdates").length > polls + 1,
      "two more polls",
    );
    expect(await messageState(f, out.id as string)).toBe("queued");
    expect(f.received("ana")).toEqual([]);
    // The person's chat is allowed: the message waiting goes to it.
    expect((await f.cli(["set", "bot", `chats=${CHAT}`])).code).toBe(0);
    expect((await f.cli(["restart", "bot"])).code).toBe(0);
    await until(
      () => f.telegram.sent.find((m) => m.text === "human:\nkept for later"),
      "the kept message in the chat",
      60_000,
    );
  }, 120_000);
});
