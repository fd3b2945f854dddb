import { describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { decodeEnvelope } from "../../src/codec/envelope";
import {
  approvals,
  type BridgeFleet,
  bridgeFleet,
  bridgeUp,
  CHAT,
  STRANGER,
  telegramPolls,
} from "../helpers/bridge-fleet";
import { buttonTap, chatMessage, type SentMessage } from "../helpers/telegram";
import { until } from "../helpers/until";

type Keyboard = { text: string; callback_data: string }[][];
const buttonsOf = (m: SentMessage): Keyboard =>
  (m.params.reply_markup as { inline_keyboard: Keyboard }).inline_keyboard;
const dataOf = (m: SentMessage, row: number): string =>
  buttonsOf(m)[row]?.[0]?.callback_data as string;

/** What ana's echo agent got: message bodies, and its answers to its question. */
const anaGot = (f: BridgeFleet): string[] =>
  f.received("ana").map((raw) => {
    const env = decodeEnvelope(raw);
    return env.ok ? env.value.body : raw;
  });

const QUESTION = "Do you want to proceed?";
const DIALOG_TEXT = `ana waits for your answer:\n${QUESTION}`;

describe("the telegram bridge, a peer's dialog on the phone", () => {
  test("is pushed once with a button per option; a stranger's tap does nothing, a friend's answers it, a stale one is refused", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    const asked = Date.now();
    expect((await f.cli(["send", "ana", "-m", "please [ask] first"])).code).toBe(0);
    const pushed = await until(
      () => f.telegram.sent.find((m) => m.text === DIALOG_TEXT),
      "the dialog in the chat",
      60_000,
    );
    const latencyMs = Date.now() - asked;
    expect(pushed.chat).toBe(String(CHAT));
    expect(buttonsOf(pushed).map((row) => row.map((b) => b.text))).toEqual([
      ["1. Yes, go ahead"],
      ["2. No, stop here"],
    ]);
    for (const row of buttonsOf(pushed))
      expect(Buffer.byteLength(row[0]?.callback_data ?? "x".repeat(65))).toBeLessThanOrEqual(64);

    // A stranger taps "No" (as if the message had been forwarded to them): nothing happens.
    f.telegram.push(buttonTap(STRANGER, STRANGER, pushed, dataOf(pushed, 1)));
    await until(
      () => f.bridgeLog().includes(`ev=telegram-stranger chat=${STRANGER} user=${STRANGER}`),
      "the bridge to log the stranger's tap",
    );
    // Looked at again and again while it waits: still pushed once.
    await telegramPolls(f, 3);
    expect(f.telegram.sent.filter((m) => m.text === DIALOG_TEXT)).toHaveLength(1);
    expect(f.telegram.calls.filter((c) => c.method === "answerCallbackQuery")).toEqual([]);
    expect(await approvals(f)).toHaveLength(1);
    expect(anaGot(f)).toEqual(["please [ask] first"]);

    // The person taps "No": answered through the daemon, the chat's message says how it ended.
    f.telegram.push(buttonTap(CHAT, CHAT, pushed, dataOf(pushed, 1)));
    await until(
      () => anaGot(f).includes("answered: No, stop here"),
      "ana's dialog to be answered",
      30_000,
    );
    const edit = await until(
      () => f.telegram.edits.find((e) => e.messageId === pushed.messageId),
      "the dialog's message to be edited",
    );
    expect(edit.text).toBe(`ana asked:\n${QUESTION}\n→ No, stop here (answered by @user${CHAT})`);
    expect(edit.params.reply_markup).toEqual({ inline_keyboard: [] });
    const taps = () =>
      f.telegram.calls
        .filter((c) => c.method === "answerCallbackQuery")
        .map((c) => c.params.text as string);
    await until(() => taps().length === 1, "the tap to be answered");
    expect(taps()).toEqual(["Answered: No, stop here"]);
    expect(await approvals(f)).toEqual([]);

    // A second tap on the answered dialog ("Yes" this time) is refused, and nothing is pressed.
    f.telegram.push(buttonTap(CHAT, CHAT, pushed, dataOf(pushed, 0)));
    await until(() => taps().length === 2, "the stale tap to be answered");
    expect(taps()[1]).toBe("This question was already answered or is gone; nothing was pressed.");
    await telegramPolls(f, 2);
    expect(anaGot(f)).toEqual(["please [ask] first", "answered: No, stop here"]);
    // Only the friend's first tap reached the daemon.
    expect(f.bridgeLog().split("ev=dialog-tap ").length - 1).toBe(1);
    console.log(`dialog on the screen -> chat: ${latencyMs} ms (send, wake, ask and the look)`);
  }, 120_000);

  test("answered at the desk: the chat's message says so, and its buttons go", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    expect((await f.cli(["send", "ana", "-m", "again [ask]"])).code).toBe(0);
    const pushed = await until(
      () => f.telegram.sent.find((m) => m.text === DIALOG_TEXT),
      "the dialog in the chat",
      60_000,
    );
    const approved = await f.cli(["approve", "ana", "yes"]);
    expect(approved.code).toBe(0);
    const edit = await until(
      () => f.telegram.edits.find((e) => e.messageId === pushed.messageId),
      "the dialog's message to be edited",
      30_000,
    );
    expect(edit.text).toBe(`ana asked:\n${QUESTION}\n→ answered: Yes, go ahead`);
    expect(edit.params.reply_markup).toEqual({ inline_keyboard: [] });
    // Its button, tapped now, presses nothing.
    f.telegram.push(buttonTap(CHAT, CHAT, pushed, dataOf(pushed, 1)));
    await until(
      () => f.telegram.calls.some((c) => c.method === "answerCallbackQuery"),
      "the stale tap to be answered",
    );
    await telegramPolls(f, 2);
    expect(anaGot(f)).toEqual(["again [ask]", "answered: Yes, go ahead"]);
  }, 120_000);
});

describe("the telegram bridge, /mute", () => {
  test("stops a peer's dialogs reaching the chat, across a restart of the bridge; /unmute brings them back", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    f.telegram.push(chatMessage(CHAT, "/mute ana"));
    await until(
      () => f.telegram.sent.find((m) => m.text.startsWith("ana is muted")),
      "the bridge to say ana is muted",
      60_000,
    );
    const stateFile = join(f.sb.layout.peersDir, "bot", ".iapeer", "telegram-state.json");
    expect(JSON.parse(readFileSync(stateFile, "utf8")).muted).toEqual(["ana"]);
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    const muted = () => f.bridgeLog().split("ev=dialog-muted peer=ana").length - 1;
    expect((await f.cli(["send", "ana", "-m", "muted [ask]"])).code).toBe(0);
    await until(() => muted() === 1, "the bridge to see ana's dialog and keep it back", 60_000);
    expect(f.telegram.sent.filter((m) => m.text === DIALOG_TEXT)).toEqual([]);

    const before = f.telegram.calls.length;
    expect((await f.cli(["restart", "bot"])).code).toBe(0);
    await until(
      () => f.telegram.calls.slice(before).some((c) => c.method === "getMe"),
      "the restarted bridge",
      60_000,
    );
    await until(() => muted() === 2, "the restarted bridge to keep ana's dialog back", 60_000);
    await telegramPolls(f, 3);
    expect(f.telegram.sent.filter((m) => m.text === DIALOG_TEXT)).toEqual([]);
    expect(await approvals(f)).toHaveLength(1);

    f.telegram.push(chatMessage(CHAT, "/unmute ana"));
    await until(
      () => f.telegram.sent.find((m) => m.text === DIALOG_TEXT),
      "ana's waiting dialog in the chat once unmuted",
      60_000,
    );
    expect(f.telegram.sent.map((m) => m.text)).toContain("ana is heard again.");
    expect(JSON.parse(readFileSync(stateFile, "utf8")).muted).toEqual([]);
  }, 150_000);

  test("/mute of no such peer is refused; /mute alone lists who is muted", async () => {
    const f = await bridgeFleet();
    await bridgeUp(f);
    f.telegram.push(chatMessage(CHAT, "/mute nobody"));
    await until(
      () => f.telegram.sent.find((m) => m.text === "There is no peer named nobody."),
      "the refusal",
      60_000,
    );
    f.telegram.push(chatMessage(CHAT, "/mute"));
    await until(
      () => f.telegram.sent.find((m) => m.text === "No peer is muted."),
      "the empty list",
      60_000,
    );
  }, 120_000);
});
