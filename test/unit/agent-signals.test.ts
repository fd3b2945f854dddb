import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { messageIdsIn } from "../../src/runtimes/agent-signal";
import { claudeHookSettings, readClaudeHook } from "../../src/runtimes/claude-hooks";
import { codexAdapter } from "../../src/runtimes/codex";
import { codexNotifyArgs, readCodexNotify } from "../../src/runtimes/codex-notify";
import { dialogOnScreen } from "../../src/runtimes/dialog-screen";
import { resetTimeIn } from "../../src/runtimes/limit-reset";

const screen = (name: string) =>
  readFileSync(join(import.meta.dir, "..", "fixtures", "screens", name), "utf8");
const NOW = new Date("2026-12-03T10:00:00");

describe("a dialog on the screen", () => {
  test("claude's question: the question and every option, in order", () => {
    expect(dialogOnScreen(screen("claude-ask-question.txt"), "❯")).toEqual({
      question: "Delete the production database?",
      options: ["Yes, delete it", "No, keep it", "Type something.", "Chat about this"],
    });
  });

  test("an input line, a numbered list in a reply, or a list without the cursor is no dialog", () => {
    expect(dialogOnScreen("────\n❯ 1. do this\n────", "❯")).toBeUndefined();
    expect(dialogOnScreen("● Steps:\n  1. build\n  2. test\n\n❯ ", "❯")).toBeUndefined();
    expect(dialogOnScreen("Pick one\n  2. two\n❯ 3. three", "❯")).toBeUndefined();
    // Answered, still on the screen, with the input line under it again.
    expect(dialogOnScreen("Proceed?\n❯ 1. Yes\n  2. No\nanswered: Yes\n\n❯ ", "❯")).toBeUndefined();
  });

  test("codex's cursor is its own", () => {
    const codex =
      "Would you like to run the following command?\n\n› 1. Yes, proceed (y)\n  2. No, and tell Codex what to do differently (esc)";
    expect(dialogOnScreen(codex, "›")?.options).toEqual([
      "Yes, proceed (y)",
      "No, and tell Codex what to do differently (esc)",
    ]);
    expect(dialogOnScreen(codex, "❯")).toBeUndefined();
  });
});

describe("claude's hooks", () => {
  test("installed for each event iapeer reads, each running the one command", () => {
    const settings = JSON.parse(claudeHookSettings("'iapeer' hook claude"));
    expect(Object.keys(settings.hooks)).toContain("PermissionRequest");
    expect(settings.hooks.Stop[0].hooks[0]).toMatchObject({
      type: "command",
      command: "'iapeer' hook claude",
    });
  });

  test("each event as a state", () => {
    const read = (p: Record<string, unknown>) => readClaudeHook(p, NOW);
    expect(
      read({ hook_event_name: "SessionStart", session_id: "s", transcript_path: "/t" }),
    ).toEqual({ state: "idle", agentSession: "s", transcript: "/t" });
    expect(read({ hook_event_name: "UserPromptSubmit", prompt: "hi" })).toMatchObject({
      state: "busy",
      prompt: "hi",
    });
    expect(
      read({
        hook_event_name: "PermissionRequest",
        tool_name: "AskUserQuestion",
        tool_input: {
          questions: [{ question: "Delete?", options: [{ label: "Yes" }, { label: "No" }] }],
        },
      }),
    ).toMatchObject({ state: "asking", dialog: { question: "Delete?", options: ["Yes", "No"] } });
    expect(
      read({
        hook_event_name: "PermissionRequest",
        tool_name: "Bash",
        tool_input: { command: "rm -rf x" },
      })?.dialog?.question,
    ).toBe("Do you want to proceed? (Bash: rm -rf x)");
    expect(read({ hook_event_name: "Stop", last_assistant_message: "done" })).toMatchObject({
      state: "idle",
      turnEnded: "answered",
      reply: "done",
    });
    expect(
      read({
        hook_event_name: "StopFailure",
        error: "rate_limit",
        last_assistant_message: "5-hour limit reached · resets 7pm",
      }),
    ).toMatchObject({
      state: "limited",
      turnEnded: "failed",
      resetAt: new Date("2026-12-03T19:00:00").toISOString(),
    });
    expect(
      read({
        hook_event_name: "StopFailure",
        error: "server_error",
        last_assistant_message: "API Error: 500",
      }),
    ).toMatchObject({ state: "errored", error: "API Error: 500" });
    expect(read({ hook_event_name: "Notification" })).toBeUndefined();
    expect(readClaudeHook("not an object", NOW)).toBeUndefined();
  });
});

describe("codex's notify", () => {
  test("given on the command line; a turn's end answers what its inputs carried", () => {
    expect(codexNotifyArgs(["/bin/iapeer", "hook", "codex"])).toEqual([
      "-c",
      'notify=["/bin/iapeer","hook","codex"]',
    ]);
    expect(
      readCodexNotify({
        type: "agent-turn-complete",
        "thread-id": "t1",
        "input-messages": ['<iapeer-message id="m_mx85ybv4_cf8b5d98bfbd0009">'],
        "last-assistant-message": "ok",
      }),
    ).toMatchObject({ state: "idle", turnEnded: "answered", reply: "ok", agentSession: "t1" });
    expect(readCodexNotify({ type: "something-else" })).toBeUndefined();
  });

  test("its side conversations (a thread's title), which quote the prompt, are not its turn", () => {
    expect(
      readCodexNotify({
        type: "agent-turn-complete",
        "thread-id": "title",
        "input-messages": [
          'Generate a concise title.\n\nUser prompt:\n<iapeer-message id="m_mx85ybv4_cf8b5d98bfbd0009">',
        ],
        "last-assistant-message": '{"title":"x"}',
      }),
    ).toBeUndefined();
    // A person's own prompt, with no envelope at all, is a turn of the agent's.
    expect(
      readCodexNotify({
        type: "agent-turn-complete",
        "input-messages": ["hi"],
        "last-assistant-message": "yo",
      }),
    ).toMatchObject({ state: "idle", turnEnded: "answered" });
  });

  test("a turn that ended in an error shows it under the message typed in", () => {
    const failed = [
      '› <iapeer-message id="m_mx87ce2q_01249b0938560a40" from="human">',
      "  <body><![CDATA[FRAGILE one]]></body>",
      "■ We’re currently experiencing high demand, which may cause temporary errors.",
      "› Ask Codex to do anything",
    ].join("\n");
    expect(codexAdapter.turnFailedOnScreen?.(failed)).toBe(
      "We’re currently experiencing high demand, which may cause temporary errors.",
    );
    // An old error above the newest message is that turn's, not this one's.
    expect(
      codexAdapter.turnFailedOnScreen?.(`${failed}\n› <iapeer-message id="m_2">\n• echo`),
    ).toBeUndefined();
  });
});

test("message ids in a prompt", () => {
  expect(
    messageIdsIn('a <x id="m_mx85ybv4_cf8b5d98bfbd0009"> b m_mx85ybv4_cf8b5d98bfbd0009 m_nope'),
  ).toEqual(["m_mx85ybv4_cf8b5d98bfbd0009"]);
});

test("a limit's reset time, from the agent's words", () => {
  expect(resetTimeIn("try again in 30 seconds", NOW)?.toISOString()).toBe(
    new Date(NOW.getTime() + 30_000).toISOString(),
  );
  expect(resetTimeIn("resets 9:15am", NOW)?.toISOString()).toBe(
    new Date("2026-12-04T09:15:00").toISOString(),
  );
  expect(resetTimeIn("rate limited", NOW)).toBeUndefined();
});
