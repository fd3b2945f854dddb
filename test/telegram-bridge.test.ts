import { describe, expect, test } from "bun:test";
import type { SendOutcome } from "../src/transport/types";
import { type BridgeFleet, bridgeFleet, CHAT } from "./helpers/bridge-fleet";
import { chatMessage } from "./helpers/telegram";
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
