import { describe, expect, test } from "bun:test";
import {
  chatMessages,
  header,
  readChatMessage,
  senderOf,
  splitText,
  TELEGRAM_TEXT_LIMIT,
} from "../../src/telegram/chat-text";
import { peersText, queueText } from "../../src/telegram/commands";

describe("what the bridge writes into the chat", () => {
  test("each message names its sender (and topic, and part) in its first line", () => {
    expect(chatMessages("ana", "PR 12 is done")).toEqual(["ana:\nPR 12 is done"]);
    expect(chatMessages("ana", "hi", "review\nnow")).toEqual(["ana (review now):\nhi"]);
    expect(header("bo@mini", undefined, [2, 3])).toBe("bo@mini [2/3]:");
  });

  test("a long message is split into parts within Telegram's limit, at line breaks, losing nothing", () => {
    const body = Array.from({ length: 600 }, (_, i) => `line ${i}: ${"x".repeat(i % 40)}`).join(
      "\n",
    );
    const parts = chatMessages("ana", body, "report");
    expect(parts.length).toBeGreaterThan(2);
    for (const [i, p] of parts.entries()) {
      expect(p.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
      expect(p.startsWith(`ana (report) [${i + 1}/${parts.length}]:\n`)).toBe(true);
    }
    expect(parts.map((p) => p.slice(p.indexOf("\n") + 1)).join("\n")).toBe(body);
  });

  test("a cut never falls between the halves of an emoji", () => {
    const parts = splitText("😀".repeat(5000), 4095);
    for (const p of parts) expect(p.isWellFormed()).toBe(true);
    expect(parts.join("")).toBe("😀".repeat(5000));
  });

  test("a reply's sender is read back from the header, and only from a header", () => {
    expect(senderOf("ana:\nPR 12 is done")).toBe("ana");
    expect(senderOf("bo@mini (topic) [2/3]:\n…")).toBe("bo@mini");
    expect(senderOf("Who is it for?\n…")).toBeUndefined();
    expect(senderOf("Not sent: no peer named x")).toBeUndefined();
  });
});

describe("how the bridge reads the chat", () => {
  const ctx = { botName: "iapeer_bot" };
  test("@peer names the recipient; the rest is the message", () => {
    expect(readChatMessage("@ana review PR 12", ctx)).toEqual({
      kind: "message",
      to: "ana",
      body: "review PR 12",
    });
    expect(readChatMessage("@ana: multi\nline", ctx)).toEqual({
      kind: "message",
      to: "ana",
      body: "multi\nline",
    });
    expect(readChatMessage("@iapeer_bot @ana hi", ctx)).toEqual({
      kind: "message",
      to: "ana",
      body: "hi",
    });
    expect(readChatMessage("@Ana, look", ctx)).toEqual({
      kind: "message",
      to: "ana",
      body: "look",
    });
    expect(readChatMessage("@ana", ctx)).toEqual({ kind: "empty" });
  });

  test("a reply goes to the peer whose message it answers, else the default peer, else nobody", () => {
    expect(readChatMessage("merge it", { ...ctx, replyTo: "ana:\nPR 12 is done" })).toEqual({
      kind: "message",
      to: "ana",
      body: "merge it",
    });
    expect(readChatMessage("merge it", { ...ctx, defaultPeer: "lead" })).toEqual({
      kind: "message",
      to: "lead",
      body: "merge it",
    });
    expect(readChatMessage("merge it", ctx)).toEqual({ kind: "unaddressed" });
  });

  test("commands, ours or another bot's", () => {
    expect(readChatMessage("/peers", ctx)).toEqual({ kind: "command", name: "peers", args: "" });
    expect(readChatMessage("/Queue@iapeer_bot", ctx)).toEqual({
      kind: "command",
      name: "queue",
      args: "",
    });
    expect(readChatMessage("/peers@other_bot", ctx)).toEqual({ kind: "not-ours" });
  });

  test("/peers and /queue answer in plain lines", () => {
    expect(
      peersText([
        {
          personality: "ana",
          runtime: "echo",
          identity: "echo-ana",
          default: true,
          state: "live",
          cwd: "/x",
        },
      ]),
    ).toBe("ana (echo): live");
    expect(peersText([])).toBe("No peers yet.");
    expect(
      queueText([
        { recipient: "ana", runtime: null, waiting: 2, delivered: 5 },
        { recipient: "bo", runtime: null, waiting: 0, delivered: 1 },
      ]),
    ).toBe("ana: 2 waiting");
    expect(queueText([])).toBe("Nothing is waiting.");
  });
});
