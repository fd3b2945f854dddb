import { describe, expect, test } from "bun:test";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  bridgeFleet,
  bridgePid,
  bridgeUp,
  CHAT,
  iapeerUnderTest,
  STRANGER,
  sendJson,
  TOKEN,
} from "../helpers/bridge-fleet";
import { chatMessage } from "../helpers/telegram";
import { tempDir } from "../helpers/temp";
import { until } from "../helpers/until";

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
    // Another bot in an allowed chat is no person either.
    f.telegram.push(
      chatMessage(CHAT, "@ana from a bot", { from: { id: 77, is_bot: true, first_name: "B" } }),
    );
    // After the stranger's updates: once this one is through, theirs were handled.
    f.telegram.push(chatMessage(CHAT, "@ana after the stranger"));
    await until(
      () => f.received("ana").find((t) => t.includes("after the stranger")),
      "the friend's message to reach ana",
      60_000,
    );
    expect(f.received("ana").join("\n")).not.toContain("stranger says");
    expect(f.received("ana").join("\n")).not.toContain("from a bot");
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
