import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../src/agent/echo-agent";
import { extractEnvelopes } from "../src/codec/extract";
import { Tmux } from "../src/tmux/client";
import { readInput } from "../src/transport/type-in";
import {
  type AgentHost,
  type AgentRuntime,
  agentHost,
  processesOfPeer,
  realAgent,
} from "./helpers/agents";

/**
 * The real Claude Code and Codex CLIs, pinned in scripts/agents.json, driven end to end through
 * the compiled iapeer and its daemon against the scripted model server. CI installs them and
 * sets IAPEER_REQUIRE_REAL_AGENTS, so there they are never skipped.
 */

const REAL_TIMEOUT = 180_000;
const PROMPT = { claude: "❯", codex: "›" } as const;

const multiLine = "first line\nsecond line\n\n  indented after a blank line\nlast line";
const nonAscii = "héllo wörld — 你好, 世界 🌍 שלום עולם, naïve café";
const long = Array.from({ length: 120 }, (_, i) => `line ${i}: ${"lorem ipsum dolor ".repeat(5)}`)
  .join("\n")
  .slice(0, 9_999)
  .concat(".");

async function peerUp(h: AgentHost, runtime: AgentRuntime, name = "ana"): Promise<string> {
  const created = await h.cli(["create", name, "--runtime", runtime]);
  expect(created.stderr).toBe("");
  expect(created.code).toBe(0);
  return `${runtime}-${name}`;
}

async function send(h: AgentHost, to: string, body: string, extra: string[] = []) {
  const r = await h.cli(["send", to, "--message", body, "--json", ...extra]);
  return {
    code: r.code,
    ...(r.json as unknown as {
      ok: boolean;
      id: string;
      outcome: string;
      woke: boolean;
      error?: string;
    }),
    stderr: r.stderr,
  };
}

/**
 * The body of each envelope the model received, in order. Claude may wrap a paste in a
 * `<pasted_content>` tag of its own; the envelope inside is what iapeer typed.
 */
function bodiesReceived(h: AgentHost): string[] {
  return h.server
    .userTexts()
    .flatMap((text) => extractEnvelopes(text).envelopes.map((e) => e.body));
}

function composer(h: AgentHost, runtime: AgentRuntime, identity: string): string | undefined {
  const tmux = new Tmux(join(h.sb.layout.tmuxSockDir, `${identity}.sock`));
  const view = readInput(tmux, identity, PROMPT[runtime]);
  return view ? view.line : undefined;
}

for (const runtime of ["claude", "codex"] as const) {
  const agent = realAgent(runtime);
  const required = process.env.IAPEER_REQUIRE_REAL_AGENTS === "1";
  if (!agent.binDir) {
    if (required) {
      test(`the real ${runtime} CLI is installed`, () => {
        throw new Error(agent.skip);
      });
    } else {
      console.warn(`skipped: real ${runtime} tests (${agent.skip})`);
    }
    continue;
  }
  const binDir = agent.binDir;

  describe(`real ${runtime}`, () => {
    test(
      "wakes ready; one-line, multi-line, 10,000-character and non-ASCII messages reach the model exactly",
      async () => {
        const h = await agentHost(runtime, binDir);
        await h.startDaemon();
        const identity = await peerUp(h, runtime);
        const wake = await h.cli(["wake", "ana", "--json"]);
        expect(wake.json).toMatchObject({ ok: true, woke: true });
        expect(wake.code).toBe(0);

        const bodies = ["hello there", multiLine, long, nonAscii];
        expect(long.length).toBe(10_000);
        for (const body of bodies) {
          const sent = await send(h, "ana", body);
          expect(sent).toMatchObject({ code: 0, ok: true, outcome: "delivered" });
          await h
            .until(
              () => bodiesReceived(h).includes(body),
              `the model to receive ${JSON.stringify(body.slice(0, 30))}`,
              30_000,
            )
            .catch((error) => {
              throw new Error(
                `${error.message}; it received ${JSON.stringify(h.server.userTexts())}`,
              );
            });
        }
        expect(bodiesReceived(h)).toEqual(bodies);
        expect(composer(h, runtime, identity)).toBe("");
      },
      REAL_TIMEOUT,
    );
  });
}
