import { describe, expect, test } from "bun:test";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadMemory, saveMemory, stateFile } from "../../src/telegram/bridge-state";
import {
  dialogButtons,
  dialogKey,
  dialogText,
  endedText,
  readChoice,
} from "../../src/telegram/dialog-text";
import { readEventBlock } from "../../src/telegram/event-stream";
import { stateReport } from "../../src/telegram/state-reports";
import { tempDir } from "../helpers/temp";

describe("a dialog in the chat", () => {
  test("a button per option, numbered, whose data is a short id under Telegram's 64 bytes", () => {
    const long = "Yes, and don't ask again for commands like `rm -rf node_modules` ".repeat(5);
    const buttons = dialogButtons(123456789, ["Yes", long, "No"]);
    expect(buttons.map((b) => b.data)).toEqual(["d:123456789:0", "d:123456789:1", "d:123456789:2"]);
    expect(buttons[0]?.text).toBe("1. Yes");
    expect([...(buttons[1]?.text ?? "")].length).toBeLessThanOrEqual(63);
    expect(buttons[1]?.text.endsWith("…")).toBe(true);
    for (const b of dialogButtons(999_999_999, Array(200).fill("x")))
      expect(Buffer.byteLength(b.data)).toBeLessThanOrEqual(64);
  });

  test("a dialog whose options are unknown gets Approve and Deny", () => {
    expect(dialogButtons(3, [])).toEqual([
      { text: "Approve", data: "d:3:y" },
      { text: "Deny", data: "d:3:n" },
    ]);
  });

  test("a tap's data is read back, and anything else is refused", () => {
    expect(readChoice("7:1")).toEqual({ n: 7, choice: { option: 1 } });
    expect(readChoice("7:y")).toEqual({ n: 7, choice: { approve: true } });
    expect(readChoice("7:n")).toEqual({ n: 7, choice: { approve: false } });
    for (const bad of ["", "7", "7:", ":1", "x:1", "7:1:2", "7:-1", "7:yes", "1e3:1"])
      expect(readChoice(bad)).toBeUndefined();
  });

  test("its text names the peer and the tool, and says how it ended", () => {
    expect(dialogText("ana", "Do you want to proceed?", "Bash")).toBe(
      "ana waits for your answer (Bash):\nDo you want to proceed?",
    );
    expect(endedText("ana", "Run  it?\nnow", "answered: Yes")).toBe(
      "ana asked:\nRun it? now\n→ answered: Yes",
    );
    expect(dialogText("ana", "q".repeat(5000)).length).toBeLessThan(1100);
  });

  test("a new question, or the same one asked again later, is a new dialog", () => {
    const a = {
      peer: "ana",
      runtime: "claude",
      identity: "claude-ana",
      question: "Run ls?",
      options: [],
      since: "2026-01-01T00:00:00.000Z",
      source: "hook",
    };
    expect(dialogKey(a)).toBe(dialogKey({ ...a, options: ["Yes", "No"] }));
    expect(dialogKey(a)).not.toBe(dialogKey({ ...a, question: "Run rm?" }));
    expect(dialogKey(a)).not.toBe(dialogKey({ ...a, since: "2026-01-01T00:01:00.000Z" }));
  });
});

describe("a peer's failures in the chat", () => {
  test("an error and a limit, in a line each, the agent's words cut short", () => {
    expect(stateReport("ana", "errored", "API Error: 500")).toBe(
      "ana's turn failed: API Error: 500",
    );
    expect(stateReport("ana", "limited", "usage limit", "2026-01-01T17:00:00.000Z")).toBe(
      "ana is rate-limited until 2026-01-01 17:00 UTC: usage limit",
    );
    expect(stateReport("ana", "limited")).toBe("ana is rate-limited");
    expect(stateReport("ana", "errored", "e".repeat(1000)).length).toBeLessThan(330);
  });
});

describe("the daemon's event stream, as the bridge reads it", () => {
  test("an event block gives its event; a comment or a keep-alive gives none", () => {
    const e = { id: 12, ts: "2026-01-01T00:00:00.000Z", ev: "receipt", message_id: "m_1" };
    expect(readEventBlock(`id: 12\nevent: receipt\ndata: ${JSON.stringify(e)}`)).toEqual(e);
    expect(readEventBlock(": following")).toBeUndefined();
    expect(readEventBlock(": keep-alive")).toBeUndefined();
    expect(readEventBlock("data: not json")).toBeUndefined();
    expect(readEventBlock('data: {"id":"x","ev":"y"}')).toBeUndefined();
  });
});

describe("the bridge's own state", () => {
  test("kept in the peer's folder, mode 0600; a damaged file starts afresh and says so", () => {
    const dir = tempDir("iapeer-tg-state-");
    const path = stateFile(dir);
    expect(loadMemory(path)).toEqual({
      memory: { muted: [], nextDialog: 1, dialogs: [], pending: [], reported: {} },
    });
    const { memory } = loadMemory(path);
    memory.muted.push("ana");
    memory.cursor = 41;
    expect(saveMemory(path, memory)).toBeUndefined();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadMemory(path).memory).toMatchObject({ muted: ["ana"], cursor: 41 });
    mkdirSync(join(dir, ".iapeer"), { recursive: true });
    writeFileSync(path, "{torn");
    expect(loadMemory(path)).toEqual({
      memory: { muted: [], nextDialog: 1, dialogs: [], pending: [], reported: {} },
      problem: "it is not JSON",
    });
  });
});
