import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { peerLog } from "../../src/core/paths";
import { agentHost, realAgent } from "../helpers/agents";
import { CHAT, TOKEN } from "../helpers/bridge-fleet";
import { buttonTap, fakeTelegram, type SentMessage } from "../helpers/telegram";
import { tempDir } from "../helpers/temp";

/**
 * The real claude asks a person a question (AskUserQuestion, scripted by the model server); the
 * question reaches the phone through the telegram bridge, and a tap there answers it.
 */

const TIMEOUT = 240_000;
const agent = realAgent("claude");
const required = process.env.IAPEER_REQUIRE_REAL_AGENTS === "1";

const QUESTION = {
  questions: [
    {
      question: "Delete the production database?",
      header: "Delete",
      multiSelect: false,
      options: [
        { label: "Yes, delete it", description: "it is gone" },
        { label: "No, keep it", description: "it stays" },
      ],
    },
  ],
};

type Keyboard = { text: string; callback_data: string }[][];
const buttonsOf = (m: SentMessage): Keyboard =>
  (m.params.reply_markup as { inline_keyboard: Keyboard }).inline_keyboard;

if (!agent.binDir) {
  if (required)
    test("the real claude CLI is installed", () => {
      throw new Error(agent.skip);
    });
} else {
  const binDir = agent.binDir;
  describe("real claude, its question on the phone", () => {
    test(
      "an AskUserQuestion dialog is pushed with its options; a tap answers it, and claude gets the answer",
      async () => {
        const telegram = fakeTelegram(TOKEN);
        const tokenFile = join(tempDir("iapeer-tg-"), "bot-token");
        writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
        const h = await agentHost("claude", binDir, {
          env: {
            IAPEER_TELEGRAM_API: telegram.url,
            IAPEER_TELEGRAM_TOKEN_FILE: tokenFile,
            IAPEER_TELEGRAM_CHATS: String(CHAT),
          },
        });
        await h.startDaemon();
        expect((await h.cli(["create", "ana", "--runtime", "claude"])).code).toBe(0);
        expect((await h.cli(["create", "bot", "--runtime", "telegram"])).code).toBe(0);
        expect((await h.cli(["wake", "bot"])).code).toBe(0);
        await h.until(
          () => telegram.calls.some((c) => c.method === "getUpdates"),
          "the bridge to poll Telegram",
        );

        h.server.onTrigger("ASKQ", { name: "AskUserQuestion", args: QUESTION }, { times: 1 });
        const opened = await h.cli(["send", "ana", "-m", "please ASKQ now", "--json"]);
        expect(opened.json).toMatchObject({ outcome: "delivered" });
        const pushed = await h.until(
          () => telegram.sent.find((m) => m.text.includes("Delete the production database?")),
          "the question in the chat",
          90_000,
        );
        expect(pushed.text).toBe(
          "ana waits for your answer (AskUserQuestion):\nDelete the production database?",
        );
        // How long after claude's hook said it asks the chat had it (the figure, not a limit).
        const events = (await h.cli(["events", "--json"])).stdout.trim().split("\n");
        const asking = events
          .map((l) => JSON.parse(l) as { ev: string; state?: string; ts: string })
          .find((e) => e.ev === "agent-state" && e.state === "asking");
        const pushedAt = /ts=(\S+) ev=dialog-pushed/.exec(
          readFileSync(peerLog(h.sb.layout, "telegram-bot"), "utf8"),
        )?.[1];
        if (asking && pushedAt)
          console.log(`hook's asking -> chat: ${Date.parse(pushedAt) - Date.parse(asking.ts)} ms`);
        const buttons = buttonsOf(pushed);
        expect(buttons.map((row) => row[0]?.text)).toEqual(["1. Yes, delete it", "2. No, keep it"]);

        telegram.push(buttonTap(CHAT, CHAT, pushed, buttons[1]?.[0]?.callback_data as string));
        await h.until(
          () => h.server.toolResults.some((r) => r.text.includes("No, keep it")),
          "claude to get the answer from the phone",
          90_000,
        );
        const edit = await h.until(
          () => telegram.edits.find((e) => e.messageId === pushed.messageId),
          "the question's message to say how it ended",
        );
        expect(edit.text).toBe(
          `ana asked:\nDelete the production database?\n→ No, keep it (answered by @user${CHAT})`,
        );
        expect(h.server.toolResults.map((r) => r.text).join("\n")).not.toContain("Yes, delete it");
        expect(((await h.cli(["approvals", "--json"])).json as unknown[]).length).toBe(0);
      },
      TIMEOUT,
    );
  });
}
