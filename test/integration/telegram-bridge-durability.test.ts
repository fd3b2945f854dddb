import { describe, expect, test } from "bun:test";
import { bridgeFleet, bridgePid, bridgeUp, messageState, sendJson } from "../helpers/bridge-fleet";
import { until } from "../helpers/until";

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
