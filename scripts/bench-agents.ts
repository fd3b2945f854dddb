#!/usr/bin/env bun
/**
 * Benchmarks of the real Claude Code and Codex CLIs (pinned in scripts/agents.json), driven
 * through the compiled iapeer and its daemon against the scripted model server, printed as JSON:
 * - wake to ready: three cold wakes (`wake --json` on the new peer, then `stop` and
 *   `start --json`, since a stopped peer refuses wakes until start), their `ready_ms` and the
 *   command's wall time;
 * - send to model: ten warm sends, one at a time, from just before `iapeer send` is spawned to
 *   the model server logging the request that carries the message;
 * - MCP round trip: the model calls `send_to_peer` to an echo peer; from the server's answer with
 *   the tool call to the echo agent's received file holding the message;
 * - receipts: send → `received` and send → `answered`; claude: a question dialog appearing →
 *   `iapeer approvals` listing it (scripts/bench-receipts.ts).
 *
 * `bun scripts/bench-agents.ts` (IAPEER_TEST_BINARY names a compiled binary; else one is built).
 * A runtime whose CLI is not installed (`bun scripts/install-agents.ts`) is skipped with a note.
 * Progress goes to stderr, the JSON to stdout.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { receivedLog } from "../src/agent/echo-agent";
import { agentBinDir } from "../test/helpers/agent-pins";
import {
  type AgentHost,
  type AgentRuntime,
  agentHost,
  cleanupAgents,
  processesOfPeer,
} from "../test/helpers/agents";
import type { LoggedRequest } from "../test/helpers/model-server";
import { cleanupSandboxes } from "../test/helpers/sandbox";
import { dialogToApprovals, receipts } from "./bench-receipts";

/** Ceiling of every single wait. */
const WAIT_MS = 60_000;
const WAKES = 3;
const SENDS = 10;
const MCP_SAMPLES = 5;
/** Pause after a sample's turn, so the next one finds the agent idle (not timed). */
const SETTLE_MS = 500;

const log = (line: string) => process.stderr.write(`bench-agents: ${line}\n`);

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const m =
    s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return Math.round(m * 10) / 10;
}

function stats(xs: number[]) {
  return {
    n: xs.length,
    median: median(xs),
    min: xs.length ? Math.min(...xs) : null,
    max: xs.length ? Math.max(...xs) : null,
    samples: xs,
  };
}

function token(): string {
  return Math.random().toString(36).slice(2, 10);
}

async function poll<T>(check: () => T | undefined, what: string, everyMs = 20): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}

/** The first model request from `from` on whose body `text` is found. */
function requestCarrying(h: AgentHost, text: string, from: number): LoggedRequest | undefined {
  for (let i = from; i < h.server.requests.length; i++) {
    const r = h.server.requests[i];
    if (r?.api !== undefined && JSON.stringify(r.body).includes(text)) return r;
  }
  return undefined;
}

interface SendJson {
  ok?: boolean;
  id?: string;
  outcome?: string;
  woke?: boolean;
  error?: string;
}

/** `iapeer send <to> --message <body> --json`, timed from just before the spawn. */
async function send(h: AgentHost, to: string, body: string) {
  const spawnedAt = Date.now();
  const t = performance.now();
  const r = await h.cli(["send", to, "--message", body, "--json"]);
  const wallMs = Math.round(performance.now() - t);
  const json = (r.json ?? {}) as SendJson;
  return {
    spawnedAt,
    wallMs,
    outcome: json.outcome ?? `exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`,
    ...(json.error !== undefined && { error: json.error }),
  };
}

async function wakes(h: AgentHost, peer: string) {
  const samples: Record<string, unknown>[] = [];
  for (let i = 0; i < WAKES; i++) {
    if (i > 0) {
      const stopped = await h.cli(["stop", peer, "--json"]);
      if (stopped.code !== 0) throw new Error(`stop ${peer}: ${stopped.stderr || stopped.stdout}`);
    }
    const command = i === 0 ? "wake" : "start";
    const t = performance.now();
    const r = await h.cli([command, peer, "--json"]);
    const wallMs = Math.round(performance.now() - t);
    const json = r.json as { ok?: boolean; woke?: boolean; mode?: string; ready_ms?: number };
    if (r.code !== 0 || json?.ok !== true || json.woke !== true)
      throw new Error(`${command} ${peer}: exit ${r.code} ${r.stdout} ${r.stderr}`);
    log(`  ${command} ${peer}: ready_ms=${json.ready_ms} wall=${wallMs} (${json.mode})`);
    samples.push({ command, mode: json.mode, ready_ms: json.ready_ms, wall_ms: wallMs });
  }
  const ready = samples.map((s) => s.ready_ms).filter((x): x is number => typeof x === "number");
  const wall = samples.map((s) => s.wall_ms as number);
  return {
    samples,
    ready_ms_median: median(ready),
    wall_ms_median: median(wall),
  };
}

async function warmSends(h: AgentHost, peer: string) {
  const latencies: number[] = [];
  const walls: number[] = [];
  const notDelivered: { i: number; outcome: string; error?: string }[] = [];
  const errors: string[] = [];
  const kinds = new Set<string>();
  for (let i = 0; i < SENDS; i++) {
    const tok = `bench${token()}`;
    const from = h.server.requests.length;
    const s = await send(h, peer, `warm send ${i} ${tok}`);
    walls.push(s.wallMs);
    if (s.outcome !== "delivered")
      notDelivered.push({
        i,
        outcome: s.outcome,
        ...(s.error !== undefined && { error: s.error }),
      });
    try {
      const req = await poll(() => requestCarrying(h, tok, from), `the model to receive ${tok}`);
      latencies.push(req.time - s.spawnedAt);
      if (req.kind) kinds.add(req.kind);
      log(
        `  send ${i}: ${s.outcome}, model +${req.time - s.spawnedAt} ms, send wall ${s.wallMs} ms`,
      );
    } catch (error) {
      errors.push(`send ${i}: ${(error as Error).message}`);
      log(`  send ${i}: ${s.outcome}, NOT received by the model`);
    }
    await Bun.sleep(SETTLE_MS);
  }
  return {
    send_to_model_request_ms: stats(latencies),
    send_command_wall_ms: stats(walls),
    first_request_kind: [...kinds],
    not_delivered: notDelivered.length,
    not_delivered_detail: notDelivered,
    errors,
  };
}

/** The echo agent's received lines holding `text`: its own timestamp. */
function echoReceived(file: string, text: string): number | undefined {
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.includes(text)) continue;
    try {
      const entry = JSON.parse(line) as { ts: string; text: string };
      if (entry.text.includes(text)) return Date.parse(entry.ts);
    } catch {
      // A line being written.
    }
  }
  return undefined;
}

async function mcpRoundTrips(h: AgentHost, peer: string, runtime: AgentRuntime) {
  const created = await h.cli(["create", "e1", "--runtime", "echo", "--json"]);
  const cwd = (created.json as { cwd?: string } | undefined)?.cwd;
  if (created.code !== 0 || !cwd) throw new Error(`create e1: ${created.stderr || created.stdout}`);
  const file = receivedLog(cwd);
  const woke = await h.cli(["wake", "e1", "--json"]);
  if (woke.code !== 0) throw new Error(`wake e1: ${woke.stderr || woke.stdout}`);
  const echoReady = (woke.json as { ready_ms?: number }).ready_ms;

  const callToEcho: number[] = [];
  const callToEchoPolled: number[] = [];
  const totals: number[] = [];
  const callToResult: number[] = [];
  const sendToCall: number[] = [];
  const notDelivered: { n: number; outcome: string; error?: string }[] = [];
  const toolOutcomes: string[] = [];
  const errors: string[] = [];
  for (let n = 1; n <= MCP_SAMPLES; n++) {
    const word = `CALL_PEER_${n}`;
    const ping = `ping ${n}-${token()}`;
    h.server.onTrigger(
      word,
      { name: "send_to_peer", args: { personality: "e1", message: ping } },
      { times: 1 },
    );
    const s = await send(h, peer, `please ${word} now`);
    if (s.outcome !== "delivered")
      notDelivered.push({
        n,
        outcome: s.outcome,
        ...(s.error !== undefined && { error: s.error }),
      });
    try {
      const call = await poll(
        () => h.server.toolCalls.find((c) => c.trigger === word),
        `the model to call send_to_peer for ${word}`,
      );
      const callAt = h.server.requests[call.requestIndex]?.time ?? Number.NaN;
      const receivedAt = await poll(() => echoReceived(file, ping), `e1 to receive ${ping}`);
      const polledAt = Date.now();
      callToEcho.push(receivedAt - callAt);
      callToEchoPolled.push(polledAt - callAt);
      totals.push(receivedAt - s.spawnedAt);
      sendToCall.push(callAt - s.spawnedAt);
      const result = await poll(
        () => h.server.toolResults.find((r) => r.id === call.id),
        `the tool result of ${word}`,
      );
      const resultAt = h.server.requests[result.requestIndex]?.time ?? Number.NaN;
      callToResult.push(resultAt - callAt);
      try {
        toolOutcomes.push(String((JSON.parse(result.text) as { outcome?: string }).outcome));
      } catch {
        toolOutcomes.push(result.text.slice(0, 80));
      }
      log(
        `  mcp ${n}: call +${callAt - s.spawnedAt} ms after send, echo +${receivedAt - callAt} ms after the call, result +${resultAt - callAt} ms`,
      );
    } catch (error) {
      errors.push(`mcp ${n}: ${(error as Error).message}`);
      log(`  mcp ${n}: ${(error as Error).message}`);
    }
    await Bun.sleep(SETTLE_MS);
  }
  return {
    echo_peer_ready_ms: echoReady,
    tool_call_to_echo_received_ms: stats(callToEcho),
    tool_call_to_echo_received_polled_ms: stats(callToEchoPolled),
    send_to_echo_received_ms: stats(totals),
    send_to_tool_call_ms: stats(sendToCall),
    tool_call_to_tool_result_ms: stats(callToResult),
    tool_result_outcomes: toolOutcomes,
    trigger_send_not_delivered: notDelivered.length,
    trigger_send_not_delivered_detail: notDelivered,
    errors,
    ...(runtime === "claude" && { note: "claude defers MCP tools: a ToolSearch call comes first" }),
  };
}

/** Whether a process runs (a zombie, exited and waiting to be reaped, does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * After cleanup (tmux servers killed, the daemon killed), give these processes 5 s to exit, then
 * kill by pid whatever still runs; how many had to be killed.
 */
async function killLeftovers(pids: number[]): Promise<number> {
  const deadline = Date.now() + 5_000;
  while (pids.some(running) && Date.now() < deadline) await Bun.sleep(100);
  const left = pids.filter(running);
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
  return left.length;
}

/**
 * Stop everything and remove the home; then wait for the peers' processes to end and remove the
 * home again if a dying agent wrote into it (claude saves its state on exit).
 */
async function cleanup(h: AgentHost | undefined, identities: string[]) {
  const home = h?.sb.config.home;
  const pids = home ? identities.flatMap((id) => processesOfPeer(home, id)) : [];
  await cleanupAgents();
  cleanupSandboxes();
  const killed = await killLeftovers(pids);
  const recreated = home !== undefined && existsSync(home);
  if (recreated) rmSync(home, { recursive: true, force: true });
  return { leftover_processes_killed: killed, home_recreated_after_cleanup: recreated };
}

async function benchRuntime(runtime: AgentRuntime, binDir: string) {
  let h: AgentHost | undefined;
  const peer = "ana";
  const identities = [`${runtime}-${peer}`, "echo-e1"];
  const out: Record<string, unknown> = { bin_dir: binDir };
  try {
    const started = performance.now();
    h = await agentHost(runtime, binDir);
    await h.startDaemon();
    const created = await h.cli(["create", peer, "--runtime", runtime]);
    if (created.code !== 0) throw new Error(`create ${peer}: ${created.stderr}`);
    log(`${runtime}: wake to ready`);
    out.wake_to_ready = await wakes(h, peer);
    log(`${runtime}: warm sends`);
    out.warm_send = await warmSends(h, peer);
    log(`${runtime}: MCP round trips`);
    out.mcp_round_trip = await mcpRoundTrips(h, peer, runtime);
    log(`${runtime}: receipts`);
    const r = await receipts(h, peer);
    out.send_to_received = stats(r.send_to_received_ms);
    out.send_to_answered = stats(r.send_to_answered_ms);
    if (runtime === "claude") {
      log(`${runtime}: dialog to approvals`);
      out.dialog_to_approvals = stats((await dialogToApprovals(h, peer)).dialog_to_approvals_ms);
    }
    out.model_requests = h.server.requests.length;
    out.total_s = Math.round((performance.now() - started) / 100) / 10;
  } catch (error) {
    out.error = (error as Error).message;
    log(`${runtime}: ${(error as Error).message}`);
  } finally {
    Object.assign(out, await cleanup(h, identities));
  }
  return out;
}

let interrupted = false;
process.on("SIGINT", () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  log("interrupted: cleaning up");
  void cleanup(undefined, []).finally(() => process.exit(130));
});

const result: Record<string, unknown> = {};
try {
  for (const runtime of ["claude", "codex"] as const) {
    const binDir = agentBinDir(runtime);
    if (!binDir) {
      result[runtime] = {
        skipped: `the real ${runtime} CLI is not installed: run \`bun scripts/install-agents.ts\``,
      };
      log(`${runtime}: skipped (not installed)`);
      continue;
    }
    result[runtime] = await benchRuntime(runtime, binDir);
  }
} finally {
  await cleanupAgents();
  cleanupSandboxes();
}
console.log(JSON.stringify(result, null, 2));
const failed = Object.values(result).some((r) => (r as { error?: string }).error !== undefined);
process.exit(failed ? 1 : 0);
