import { describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { issueToken } from "../../src/registry/tokens";
import { bridgeFleet, bridgeUp, CHAT, messageState, sendJson } from "../helpers/bridge-fleet";
import { freePort } from "../helpers/port";
import { chatMessage } from "../helpers/telegram";
import { until } from "../helpers/until";

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

describe("the telegram bridge, an agent's send_to_peer", () => {
  test("reaches the chat naming the agent, through the daemon's MCP tool", async () => {
    const port = await freePort();
    const f = await bridgeFleet({ IAPEER_PORT: String(port) });
    await bridgeUp(f);
    // What claude or codex gets in its MCP config: ana's own token.
    const token = issueToken(f.sb.host().store, "ana");
    const client = new Client({ name: "test", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    try {
      const result = await client.callTool({
        name: "send_to_peer",
        arguments: { personality: "bot", message: "tests pass on main", topic: "ci" },
      });
      expect(result.isError).toBeFalsy();
      const outcome = JSON.parse((result.content as { text: string }[])[0]?.text ?? "{}");
      expect(outcome).toMatchObject({ ok: true, outcome: "delivered" });
      expect(f.telegram.sent.map((m) => m.text)).toContain("ana (ci):\ntests pass on main");
    } finally {
      await client.close();
    }
  }, 120_000);
});

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
