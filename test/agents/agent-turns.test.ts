import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type AgentHost, type AgentRuntime, agentHost, realAgent } from "../helpers/agents";
import { startModelServer } from "../helpers/model-server";

/**
 * Turns of the real claude and codex as iapeer sees them from the agents' own signals: a busy
 * agent gets its message as its own turn with nothing interrupted; a failed turn is never
 * `answered` and goes again once the agent is healthy; a limit holds deliveries, then resumes.
 */

const TIMEOUT = 240_000;
const required = process.env.IAPEER_REQUIRE_REAL_AGENTS === "1";

interface Shown {
  id: string;
  state: string;
  answeredAt?: string;
  reply?: string;
  turnFailures: number;
  turnError?: string;
  error?: string;
}

async function message(h: AgentHost, id: string): Promise<Shown> {
  return (await h.cli(["message", id, "--json"])).json as unknown as Shown;
}

async function agentOf(h: AgentHost, peer: string) {
  const rows = (await h.cli(["list", "--json"])).json as unknown as {
    personality: string;
    agent?: { state: string; source: string };
  }[];
  return rows.find((r) => r.personality === peer)?.agent;
}

const count = (h: AgentHost, text: string) =>
  h.server.userTexts().filter((t) => t.includes(text)).length;

function suite(runtime: AgentRuntime, body: (binDir: string) => void) {
  const agent = realAgent(runtime);
  if (agent.binDir) body(agent.binDir);
  else if (required)
    test(`the real ${runtime} CLI is installed`, () => {
      throw new Error(agent.skip);
    });
}

suite("claude", (binDir) => {
  describe("real claude turns", () => {
    test(
      "busy: a message sent mid-turn is queued by claude itself and becomes its own turn; the first answer is whole",
      async () => {
        const h = await agentHost("claude", binDir);
        h.server.onWord("SLOWLY", { slowMs: 400 });
        await h.startDaemon();
        expect((await h.cli(["create", "ana", "--runtime", "claude"])).code).toBe(0);
        const first = await h.cli(["send", "ana", "-m", "please answer SLOWLY", "--json"]);
        expect(first.json).toMatchObject({ outcome: "delivered" });
        await h.until(async () => (await agentOf(h, "ana"))?.state === "busy", "ana busy", 60_000);
        const second = await h.cli(["send", "ana", "-m", "meanwhile", "--json"]);
        expect(second.json).toMatchObject({ outcome: "delivered" });
        const firstId = String(first.json.id);
        const secondId = String(second.json.id);
        await h.until(
          async () => (await message(h, secondId)).answeredAt,
          "the second message to be answered",
          120_000,
        );
        const one = await message(h, firstId);
        // Each answered with its own turn's reply.
        expect((await message(h, secondId)).reply).toContain("meanwhile");
        expect(one.reply).toContain("please answer SLOWLY");
        expect(count(h, "please answer SLOWLY")).toBe(1);
        expect(count(h, "meanwhile")).toBe(1);
        // Its own turn: the request that carried it did not carry the first as new text.
        const carrying = h.server.modelRequests().filter((r) => r.userText?.includes("meanwhile"));
        expect(carrying.every((r) => !r.userText?.includes("please answer SLOWLY"))).toBe(true);
      },
      TIMEOUT,
    );

    test(
      "a failed turn (HTTP 500) is never answered; the message goes again once claude is at its input, and is answered then",
      async () => {
        const h = await agentHost("claude", binDir, { env: { CLAUDE_CODE_MAX_RETRIES: "0" } });
        h.server.onWord("FRAGILE", {
          fail: { status: 500, message: "scripted failure", times: 1 },
        });
        await h.startDaemon();
        expect((await h.cli(["create", "ana", "--runtime", "claude"])).code).toBe(0);
        const sent = await h.cli([
          "send",
          "ana",
          "-m",
          "FRAGILE request",
          "--wait",
          "answered",
          "--json",
        ]);
        expect(sent.json).toMatchObject({ outcome: "delivered", answered: true });
        const shown = await message(h, String(sent.json.id));
        expect(shown.turnFailures).toBe(1);
        expect(shown.turnError).toContain("500");
        expect(count(h, "FRAGILE request")).toBe(2);
      },
      TIMEOUT,
    );

    test(
      "a turn that keeps failing fails for good after IAPEER_TURN_RETRIES, with claude's words",
      async () => {
        const h = await agentHost("claude", binDir, {
          env: { CLAUDE_CODE_MAX_RETRIES: "0", IAPEER_TURN_RETRIES: "1" },
        });
        h.server.onWord("BROKEN", { fail: { status: 500, message: "always broken" } });
        await h.startDaemon();
        expect((await h.cli(["create", "ana", "--runtime", "claude"])).code).toBe(0);
        const sent = await h.cli(["send", "ana", "-m", "BROKEN request", "--json"]);
        const id = String(sent.json.id);
        await h.until(async () => (await message(h, id)).state === "failed", "failed", 120_000);
        const shown = await message(h, id);
        expect(shown.answeredAt).toBeUndefined();
        expect(shown.turnFailures).toBe(2);
        expect(shown.error).toContain("its turn failed 2 times");
        expect((await agentOf(h, "ana"))?.state).toBe("errored");
      },
      TIMEOUT,
    );

    test(
      "two agents that call send_to_peer on every message stop at the hop limit; the refusal reaches the model",
      async () => {
        const h = await agentHost("claude", binDir, { env: { IAPEER_MAX_HOPS: "3" } });
        await h.startDaemon();
        for (const name of ["ana", "bob"])
          expect((await h.cli(["create", name, "--runtime", "claude"])).code).toBe(0);
        // Each one's model answers every message by messaging the other.
        h.server.onTrigger("TOANA", {
          name: "send_to_peer",
          args: { personality: "bob", message: "TOBOB your turn" },
        });
        h.server.onTrigger("TOBOB", {
          name: "send_to_peer",
          args: { personality: "ana", message: "TOANA your turn" },
        });
        expect((await h.cli(["send", "ana", "-m", "TOANA start"])).code).toBe(0);
        const refused = await h.until(
          () => h.server.toolResults.find((r) => r.text.includes("IAPEER_MAX_HOPS")),
          "a send_to_peer refused at the hop limit",
          150_000,
        );
        expect(refused.isError).toBe(true);
        // Hops 1 to 3 went (ana → bob → ana → bob); the fourth did not.
        const events = (await h.cli(["events", "--json"])).stdout;
        expect(events.split("\n").filter((l) => l.includes('"ev":"loop-stopped"'))).toHaveLength(1);
        const sent = h.server.toolCalls.filter((c) => c.name.endsWith("send_to_peer")).length;
        expect(sent).toBe(4);
        await Bun.sleep(3000);
        expect(h.server.toolCalls.filter((c) => c.name.endsWith("send_to_peer"))).toHaveLength(4);
      },
      TIMEOUT,
    );

    test(
      "a usage limit that names its reset time holds the queue until then, saying so",
      async () => {
        // A reset two hours ahead, in claude's words ("resets 9:40pm"), local time.
        const at = new Date(Date.now() + 2 * 3_600_000);
        const h12 = at.getHours() % 12 || 12;
        const clock = `${h12}:${String(at.getMinutes()).padStart(2, "0")}${at.getHours() < 12 ? "am" : "pm"}`;
        const h = await agentHost("claude", binDir, { env: { CLAUDE_CODE_MAX_RETRIES: "0" } });
        h.server.onWord("QUOTA", {
          fail: { status: 429, message: `You've hit your usage limit · resets ${clock}`, times: 1 },
        });
        await h.startDaemon();
        expect((await h.cli(["create", "ana", "--runtime", "claude"])).code).toBe(0);
        await h.cli(["send", "ana", "-m", "QUOTA please", "--json"]);
        await h.until(
          async () => (await agentOf(h, "ana"))?.state === "limited",
          "limited",
          60_000,
        );
        const held = await h.cli(["send", "ana", "-m", "after the reset", "--json"]);
        expect(held.json).toMatchObject({ outcome: "queued" });
        at.setSeconds(0, 0);
        expect(String(held.json.reason)).toContain(`ana is rate-limited until ${at.toISOString()}`);
        await Bun.sleep(2000);
        expect(count(h, "after the reset")).toBe(0);
      },
      TIMEOUT,
    );

    test(
      "a model server that refuses connections: the turn fails, and the message is answered once it is back",
      async () => {
        const h = await agentHost("claude", binDir, { env: { CLAUDE_CODE_MAX_RETRIES: "0" } });
        await h.startDaemon();
        expect((await h.cli(["create", "ana", "--runtime", "claude"])).code).toBe(0);
        expect((await h.cli(["wake", "ana"])).code).toBe(0);
        const port = h.server.port;
        await h.server.stop();
        const sent = await h.cli(["send", "ana", "-m", "while it is down", "--json"]);
        const id = String(sent.json.id);
        await h.until(
          async () => (await message(h, id)).turnFailures >= 1,
          "the turn to fail",
          60_000,
        );
        // Back on the same port within the pause after a failed turn.
        const back = startModelServer({ port });
        try {
          await back.waitForUserText("while it is down", 60_000);
          await h.until(async () => (await message(h, id)).answeredAt, "answered", 60_000);
          expect((await message(h, id)).turnError).toBeDefined();
        } finally {
          await back.stop();
        }
      },
      TIMEOUT,
    );

    test(
      "a rate limit (429) holds deliveries with the reason, then they resume by themselves",
      async () => {
        const h = await agentHost("claude", binDir, {
          env: { CLAUDE_CODE_MAX_RETRIES: "0", IAPEER_LIMIT_BACKOFF_SECS: "15" },
        });
        h.server.onWord("LIMITED", { fail: { status: 429, message: "rate limited", times: 1 } });
        await h.startDaemon();
        expect((await h.cli(["create", "ana", "--runtime", "claude"])).code).toBe(0);
        const first = await h.cli(["send", "ana", "-m", "LIMITED one", "--json"]);
        const firstId = String(first.json.id);
        await h.until(
          async () => (await agentOf(h, "ana"))?.state === "limited",
          "limited",
          60_000,
        );
        expect(await agentOf(h, "ana")).toMatchObject({ state: "limited", source: "hook" });

        const held = await h.cli(["send", "ana", "-m", "after the limit", "--json"]);
        expect(held.json).toMatchObject({ outcome: "queued" });
        expect(String(held.json.reason)).toContain("ana is rate-limited until");
        await h.until(
          async () => (await message(h, String(held.json.id))).answeredAt,
          "the held message to be answered",
          120_000,
        );
        expect((await message(h, firstId)).answeredAt).toBeDefined();
        expect(count(h, "after the limit")).toBe(1);
      },
      TIMEOUT,
    );
  });
});

suite("codex", (binDir) => {
  describe("real codex turns", () => {
    test(
      "answered from its notify; busy: a message waits for the turn to end instead of interrupting it",
      async () => {
        const h = await agentHost("codex", binDir);
        h.server.onWord("SLOWLY", { slowMs: 400 });
        await h.startDaemon();
        expect((await h.cli(["create", "cox", "--runtime", "codex"])).code).toBe(0);
        const asked = await h.cli(["send", "cox", "-m", "hello codex", "--wait", "answered"]);
        expect(asked.code).toBe(0);
        expect(asked.stdout).toContain("hello codex");
        expect(await agentOf(h, "cox")).toMatchObject({ state: "idle", source: "notify" });

        const first = await h.cli(["send", "cox", "-m", "please answer SLOWLY", "--json"]);
        expect(first.json).toMatchObject({ outcome: "delivered" });
        await h.server.waitForUserText("please answer SLOWLY", 60_000);
        const second = await h.cli(["send", "cox", "-m", "meanwhile", "--json"]);
        expect(second.json).toMatchObject({ outcome: "queued" });
        expect(String(second.json.reason)).toContain("in the middle of a turn");
        await h.until(
          async () => (await message(h, String(second.json.id))).answeredAt,
          "the second message to be answered",
          120_000,
        );
        // The first turn was not interrupted: its whole answer came back.
        const one = await message(h, String(first.json.id));
        expect(one.reply).toContain("please answer SLOWLY");
        expect(count(h, "meanwhile")).toBe(1);
      },
      TIMEOUT,
    );

    test(
      "a failed turn (HTTP 500, no retries) is never answered, though codex notifies its title's; it goes again and is answered",
      async () => {
        const h = await agentHost("codex", binDir);
        h.server.onWord("FRAGILE", {
          fail: { status: 500, message: "scripted failure", times: 1 },
        });
        await h.startDaemon();
        expect((await h.cli(["create", "cox", "--runtime", "codex"])).code).toBe(0);
        const noRetries =
          "args=-c model_providers.scripted.request_max_retries=0 -c model_providers.scripted.stream_max_retries=0";
        expect((await h.cli(["set", "cox", noRetries])).code).toBe(0);
        const sent = await h.cli(["send", "cox", "-m", "FRAGILE request", "--json"]);
        const id = String(sent.json.id);
        await h.until(
          async () => (await message(h, id)).turnFailures >= 1,
          "the turn to fail",
          60_000,
        );
        expect((await message(h, id)).answeredAt).toBeUndefined();
        await h.until(async () => (await message(h, id)).answeredAt, "answered", 90_000);
        const shown = await message(h, id);
        expect(shown.reply).toContain("FRAGILE request");
        expect(shown.reply).not.toContain('"title"');
        expect(shown.turnError).toBeDefined();
      },
      TIMEOUT,
    );

    test(
      "with its own approvals kept, codex's command dialog holds a message; `approve` runs the command, then the message goes once",
      async () => {
        const h = await agentHost("codex", binDir);
        await h.startDaemon();
        expect((await h.cli(["create", "cox", "--runtime", "codex"])).code).toBe(0);
        expect((await h.cli(["set", "cox", "approvals=on-request"])).code).toBe(0);
        h.server.onTrigger(
          "RUNIT",
          {
            name: "exec_command",
            args: {
              cmd: "touch ran.txt",
              sandbox_permissions: "require_escalated",
              justification: "to write a file",
            },
          },
          { times: 1 },
        );
        expect((await h.cli(["send", "cox", "-m", "please RUNIT"])).code).toBe(0);
        const waiting = await h.until(
          async () => {
            const list = (await h.cli(["approvals", "--json"])).json as unknown as {
              question: string;
              options: string[];
            }[];
            return list[0];
          },
          "codex's dialog in approvals",
          60_000,
        );
        expect(waiting.question).toBe(
          "Would you like to run the following command? $ touch ran.txt",
        );
        expect(waiting.options[0]).toBe("Yes, proceed (y)");
        const held = await h.cli(["send", "cox", "-m", "meanwhile", "--json"]);
        expect(held.json).toMatchObject({ outcome: "queued" });
        await Bun.sleep(2000);
        expect(count(h, "meanwhile")).toBe(0);
        expect((await h.cli(["approve", "cox", "--json"])).json).toMatchObject({
          ok: true,
          option: "Yes, proceed (y)",
        });
        const ran = join(h.sb.layout.peersDir, "cox", "ran.txt");
        await h.until(() => existsSync(ran), "the approved command to run", 30_000);
        await h.until(
          async () => (await message(h, String(held.json.id))).answeredAt,
          "the held message answered",
          90_000,
        );
        expect(count(h, "meanwhile")).toBe(1);
      },
      TIMEOUT,
    );

    test(
      "approvals = on-request keeps codex's own approvals: it starts (no conflicting flag)",
      async () => {
        const h = await agentHost("codex", binDir);
        await h.startDaemon();
        expect((await h.cli(["create", "cox", "--runtime", "codex"])).code).toBe(0);
        expect((await h.cli(["set", "cox", "approvals=on-request"])).code).toBe(0);
        const woke = await h.cli(["wake", "cox", "--json"]);
        expect(woke.json).toMatchObject({ ok: true });
        expect((await h.cli(["set", "cox", "approvals=sometimes"])).code).toBe(2);
      },
      TIMEOUT,
    );
  });
});
