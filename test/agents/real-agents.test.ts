import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { extractEnvelopes } from "../../src/codec/extract";
import { Tmux } from "../../src/tmux/client";
import { readInput } from "../../src/transport/type-in";
import {
  type AgentHost,
  type AgentHostOptions,
  type AgentRuntime,
  agentHost,
  processesOfPeer,
  processesRunFrom,
  realAgent,
} from "../helpers/agents";

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
  expect(created.stderr).toContain(`created ${name}`);
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

async function composer(
  h: AgentHost,
  runtime: AgentRuntime,
  identity: string,
): Promise<string | undefined> {
  const tmux = new Tmux(join(h.sb.layout.tmuxSockDir, `${identity}.sock`));
  const view = await readInput(tmux, identity, PROMPT[runtime]);
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
          // Each one answered before the next: codex takes no message in the middle of a turn.
          const sent = await send(h, "ana", body, ["--wait", "answered"]);
          expect(sent).toMatchObject({ code: 0, ok: true, outcome: "delivered", answered: true });
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
        expect(await composer(h, runtime, identity)).toBe("");
      },
      REAL_TIMEOUT,
    );

    test(
      "two messages in a row: both go, each reaches the model once, none left in the composer",
      async () => {
        const h = await agentHost(runtime, binDir);
        await h.startDaemon();
        const identity = await peerUp(h, runtime);
        const [a, b] = await Promise.all([
          send(h, "ana", "first of two"),
          send(h, "ana", "second of two"),
        ]);
        // Whichever came second may find the first one's turn running: claude queues it itself;
        // codex, whom Enter would interrupt, gets it when that turn ends (queued until then).
        for (const sent of [a, b]) {
          if (sent.outcome === "queued") {
            expect(runtime).toBe("codex");
            expect(String((sent as { reason?: string }).reason)).toContain(
              "in the middle of a turn",
            );
          } else expect(sent).toMatchObject({ code: 0, outcome: "delivered" });
        }
        const both = () => {
          const got = bodiesReceived(h);
          return got.includes("first of two") && got.includes("second of two") ? got : undefined;
        };
        expect((await h.until(both, "both messages at the model")).sort()).toEqual([
          "first of two",
          "second of two",
        ]);
        expect(await composer(h, runtime, identity)).toBe("");
      },
      REAL_TIMEOUT,
    );

    test(
      "the agent's send_to_peer reaches an echo peer from the agent, with no approval dialog",
      async () => {
        const h = await agentHost(runtime, binDir);
        await h.startDaemon();
        await peerUp(h, runtime);
        expect((await h.cli(["create", "echo1", "--runtime", "echo"])).code).toBe(0);
        h.server.onTrigger("PLEASE_CALL_ECHO1", {
          name: "send_to_peer",
          args: { personality: "echo1", message: "hello from the agent" },
        });
        const sent = await send(h, "ana", "PLEASE_CALL_ECHO1 now");
        expect(sent).toMatchObject({ code: 0, outcome: "delivered" });
        const log = receivedLog(join(h.sb.layout.peersDir, "echo1"));
        const line = await h.until(() => {
          try {
            return readFileSync(log, "utf8").trim();
          } catch {
            return undefined;
          }
        }, "the echo peer to receive the agent's message");
        const envelope = extractEnvelopes(JSON.parse(line).text).envelopes[0];
        expect(envelope?.from).toBe("ana");
        expect(envelope?.runtime).toBe(runtime);
        expect(envelope?.body).toBe("hello from the agent");
        // The tool's answer went back to the model: the call did not fail.
        const result = await h.server.waitForToolResult(undefined, 60_000);
        expect(result.text).toContain("delivered");
      },
      REAL_TIMEOUT,
    );

    test(
      "asleep after idling, a send resumes the conversation: the model sees the earlier turn",
      async () => {
        const h = await agentHost(runtime, binDir, {
          env: { IAPEER_IDLE_SECS: "3", IAPEER_TICK_SECS: "1" },
        });
        await h.startDaemon();
        const identity = await peerUp(h, runtime);
        expect(await send(h, "ana", "remember the word PERSIMMON")).toMatchObject({
          outcome: "delivered",
        });
        await h.until(
          () => bodiesReceived(h).includes("remember the word PERSIMMON"),
          "the first turn",
        );
        const asleep = async () => {
          const list = await h.cli(["list", "--json"]);
          const row = (list.json as unknown as { identity: string; state: string }[]).find(
            (r) => r.identity === identity,
          );
          return row?.state === "asleep";
        };
        await h.until(asleep, "the idle peer to be put to sleep", 90_000);
        const resumed = await send(h, "ana", "which word did I ask you to remember?");
        expect(resumed).toMatchObject({ code: 0, outcome: "delivered", woke: true });
        const request = await h.server.waitForRequest(
          (r) => r.kind === "main" && (r.userText ?? "").includes("which word did I ask"),
          60_000,
        );
        const history = h.server
          .conversation(request)
          .map((e) => e.text)
          .join("\n");
        expect(history).toContain("remember the word PERSIMMON");
        expect(readFileSync(h.sb.layout.lifecycleLog, "utf8")).toContain(
          `ev=wake identity=${identity} mode=resume`,
        );
      },
      REAL_TIMEOUT,
    );

    test(
      "a SIGKILL of the agent is recorded with its signal; stop leaves no process of the peer",
      async () => {
        const h = await agentHost(runtime, binDir);
        await h.startDaemon();
        const identity = await peerUp(h, runtime);
        expect((await h.cli(["wake", "ana"])).code).toBe(0);
        const pidOf = async () => {
          const list = await h.cli(["list", "--json"]);
          return (list.json as unknown as { identity: string; pid?: number }[]).find(
            (r) => r.identity === identity,
          )?.pid;
        };
        const pid = await h.until(pidOf, "the agent's pid");
        process.kill(pid, "SIGKILL");
        const death = await h.until(async () => {
          const exits = await h.cli(["exits", "ana", "--json"]);
          return (exits.json as unknown as { identity: string; signal?: string }[]).find(
            (e) => e.identity === identity,
          );
        }, "the death to be recorded");
        expect(death.signal).toBe("SIGKILL");

        // Up again, with whatever it starts; then stopped: nothing of it may be left.
        expect((await h.cli(["wake", "ana"])).code).toBe(0);
        expect(await send(h, "ana", "say something")).toMatchObject({ outcome: "delivered" });
        const before = processesOfPeer(h.sb.config.home, identity);
        expect(before.length).toBeGreaterThanOrEqual(2); // its tmux server and the agent
        expect((await h.cli(["stop", "ana"])).code).toBe(0);
        const leftovers = () => [
          ...processesOfPeer(h.sb.config.home, identity),
          ...(h.codexHome ? processesRunFrom(h.codexHome) : []),
        ];
        await h.until(
          () => leftovers().length === 0,
          `no process of ${identity} left (had ${before.join(", ")})`,
          30_000,
        );
      },
      REAL_TIMEOUT,
    );

    if (runtime === "claude") {
      test(
        "with ANTHROPIC_API_KEY, claude's key dialog (default No) is answered Yes and the key is used",
        async () => {
          const h = await agentHost(runtime, binDir, {
            env: {
              ANTHROPIC_AUTH_TOKEN: "",
              ANTHROPIC_API_KEY: "sk-ant-api03-test-key-0123456789",
            },
          });
          await h.startDaemon();
          await peerUp(h, runtime);
          const wake = await h.cli(["wake", "ana", "--json"]);
          expect(wake.json).toMatchObject({ ok: true, woke: true });
          const events = readFileSync(h.sb.layout.lifecycleLog, "utf8");
          expect(events).toMatch(/ev=launch identity=claude-ana .*dialogs=[^ ]*api-key/);
          expect(await send(h, "ana", "keyed hello")).toMatchObject({
            code: 0,
            outcome: "delivered",
          });
          const request = await h.server.waitForRequest(
            (r) => r.kind === "main" && (r.userText ?? "").includes("keyed hello"),
            60_000,
          );
          expect(request.headers["x-api-key"]).toBe("sk-ant-api03-test-key-0123456789");
        },
        REAL_TIMEOUT,
      );
    }

    const cannotWork: [string, AgentHostOptions, RegExp][] =
      runtime === "claude"
        ? [
            ["no model endpoint and not signed in", { noEndpoint: true }, /not signed in|log ?in/i],
            ...(process.getuid?.() === 0
              ? ([
                  [
                    "as root without IS_SANDBOX",
                    { env: { IS_SANDBOX: "" } },
                    /refuses to bypass permissions as root/,
                  ],
                ] as [string, AgentHostOptions, RegExp][])
              : []),
          ]
        : [["no provider and not signed in", { noEndpoint: true }, /not signed in/]];
    for (const [host, opts, cause] of cannotWork) {
      test(
        `a host where it cannot work (${host}) fails the wake within 15 s with the real cause`,
        async () => {
          const h = await agentHost(runtime, binDir, opts);
          await peerUp(h, runtime);
          const started = performance.now();
          const wake = await h.cli(["wake", "ana", "--json"]);
          const ms = performance.now() - started;
          expect(wake.code).toBe(1);
          expect(wake.json).toMatchObject({ ok: false, error: expect.stringMatching(cause) });
          expect(String((wake.json as unknown as { error: string }).error)).not.toContain("\n");
          expect(ms).toBeLessThan(15_000);
        },
        REAL_TIMEOUT,
      );
    }
  });
}
