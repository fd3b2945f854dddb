import { describe, expect, test } from "bun:test";
import { type AgentHost, agentHost, realAgent } from "../helpers/agents";

/**
 * What the real claude is doing, from its own hooks: a dialog meant for a person is never
 * answered by a message; the message waits, says why, and arrives once after `iapeer approve`.
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

interface Row {
  personality: string;
  agent?: { state: string; source: string; question?: string };
}

async function agentOf(h: AgentHost, peer: string) {
  const rows = (await h.cli(["list", "--json"])).json as unknown as Row[];
  return rows.find((r) => r.personality === peer)?.agent;
}

const received = (h: AgentHost, text: string) =>
  h.server.userTexts().filter((t) => t.includes(text)).length;

if (!agent.binDir) {
  if (required)
    test("the real claude CLI is installed", () => {
      throw new Error(agent.skip);
    });
} else {
  const binDir = agent.binDir;
  describe("real claude, states from its hooks", () => {
    test(
      "with the screen fallback off: idle, busy, answered; a question dialog holds a message until `approve`",
      async () => {
        const h = await agentHost("claude", binDir, { env: { IAPEER_SCREEN_STATES: "off" } });
        await h.startDaemon();
        expect((await h.cli(["create", "ana", "--runtime", "claude"])).code).toBe(0);

        // send --wait answered prints the scripted reply (the model echoes what it got).
        const asked = await h.cli(["send", "ana", "-m", "hello there", "--wait", "answered"]);
        expect(asked.stdout).toStartWith("echo: <iapeer-message");
        expect(asked.stdout).toContain("hello there");
        expect(asked.code).toBe(0);
        expect(await agentOf(h, "ana")).toMatchObject({ state: "idle", source: "hook" });

        h.server.onTrigger("ASKQ", { name: "AskUserQuestion", args: QUESTION }, { times: 1 });
        const opened = await h.cli(["send", "ana", "-m", "please ASKQ now", "--json"]);
        expect(opened.json).toMatchObject({ outcome: "delivered" });
        await h.until(
          async () => (await agentOf(h, "ana"))?.state === "asking",
          "ana to be asking",
          60_000,
        );
        expect(await agentOf(h, "ana")).toMatchObject({
          state: "asking",
          source: "hook",
          question: "Delete the production database?",
        });

        // A message now waits, and its sender hears why at once.
        const held = await h.cli(["send", "ana", "-m", "the second message", "--json"]);
        expect(held.code).toBe(10);
        expect(held.json).toMatchObject({ outcome: "queued" });
        expect(String(held.json.reason)).toContain(
          `ana waits for a person's answer: "Delete the production database?"`,
        );
        const list = await h.cli(["approvals", "--json"]);
        expect(list.json as unknown[]).toEqual([
          expect.objectContaining({
            peer: "ana",
            question: "Delete the production database?",
            options: ["Yes, delete it", "No, keep it"],
            source: "hook",
          }),
        ]);
        // Held for a while: never typed into the dialog.
        await Bun.sleep(3000);
        expect(received(h, "the second message")).toBe(0);

        const approved = await h.cli(["approve", "ana", "No, keep it", "--json"]);
        expect(approved.json).toMatchObject({ ok: true, option: "No, keep it" });
        await h.server.waitForUserText("the second message", 60_000);
        await h.until(
          async () => (await agentOf(h, "ana"))?.state === "idle",
          "ana to be idle again",
          60_000,
        );
        expect(received(h, "the second message")).toBe(1);
        // The question's answer was the person's, not the message.
        const results = h.server.toolResults.map((r) => r.text).join("\n");
        expect(results).toContain("No, keep it");
        expect(results).not.toContain("the second message");
        expect((await h.cli(["approvals", "--json"])).json as unknown[]).toEqual([]);
      },
      TIMEOUT,
    );

    test(
      "a permission dialog (default permission mode): the message waits, `deny` refuses nothing else, `approve` lets it through",
      async () => {
        const h = await agentHost("claude", binDir);
        await h.startDaemon();
        expect((await h.cli(["create", "bob", "--runtime", "claude"])).code).toBe(0);
        expect((await h.cli(["set", "bob", "permission-mode=default"])).code).toBe(0);
        h.server.onTrigger(
          "RUNBASH",
          { name: "Bash", args: { command: "echo ran > ran.txt", description: "write a file" } },
          { times: 1 },
        );
        expect((await h.cli(["approve", "bob"])).code).toBe(1);
        const opened = await h.cli(["send", "bob", "-m", "please RUNBASH now", "--json"]);
        expect(opened.json).toMatchObject({ outcome: "delivered" });
        await h.until(
          async () => (await agentOf(h, "bob"))?.state === "asking",
          "bob to be asking",
          60_000,
        );
        const held = await h.cli(["send", "bob", "-m", "while it asks", "--json"]);
        expect(held.json).toMatchObject({ outcome: "queued" });
        expect(String(held.json.reason)).toContain("bob waits for a person's answer");
        await Bun.sleep(2000);
        expect(received(h, "while it asks")).toBe(0);
        const approved = await h.cli(["approve", "bob", "--json"]);
        expect(approved.json).toMatchObject({ ok: true });
        expect(String(approved.json.option)).toMatch(/^Yes/);
        await h.server.waitForUserText("while it asks", 60_000);
        expect(received(h, "while it asks")).toBe(1);
      },
      TIMEOUT,
    );
  });
}
