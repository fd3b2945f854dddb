import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { pidAlive } from "../../src/launch/pid";
import { agentBinDir } from "./agent-pins";
import { iapeerBinary } from "./binary";
import { type ModelServer, startModelServer } from "./model-server";
import { freePort } from "./port";
import { type Sandbox, sandbox } from "./sandbox";
import { until as poll } from "./until";

/**
 * A real agent CLI (claude or codex) as a user runs it: a throwaway HOME holding only what a
 * user has after logging in once (claude: onboarding done, a model endpoint; codex: a provider),
 * pointed at the scripted model server, driven through the compiled iapeer and its daemon.
 */

export type AgentRuntime = "claude" | "codex";

const running = new Set<ReturnType<typeof Bun.spawn>>();
const servers = new Set<ModelServer>();
const codexHomes = new Set<string>();
const homes = new Set<string>();

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is. */
  json: Record<string, unknown> & unknown[];
}

export interface AgentHost {
  sb: Sandbox;
  /** codex: its CODEX_HOME. */
  codexHome?: string;
  server: ModelServer;
  env: Record<string, string>;
  binary: string;
  /** Run the compiled iapeer, without blocking this process (the model server lives here). */
  cli(args: string[], extraEnv?: Record<string, string>): Promise<CliRun>;
  /** Start `iapeer daemon` from the compiled binary; stopped by pid after the test. */
  startDaemon(extraEnv?: Record<string, string>): Promise<void>;
  /** Poll until `check` is truthy. */
  until<T>(check: () => T | Promise<T>, what: string, timeoutMs?: number): Promise<NonNullable<T>>;
}

/** What the environment of this machine says about the real CLIs: installed, or why not. */
export function realAgent(runtime: AgentRuntime): { binDir?: string; skip?: string } {
  const binDir = agentBinDir(runtime);
  if (binDir) return { binDir };
  return {
    skip: `the real ${runtime} CLI is not installed: run \`bun scripts/install-agents.ts\``,
  };
}

/** A user's claude after logging in once: onboarding done, nothing else. */
function seedClaude(home: string, server: ModelServer): Record<string, string> {
  writeFileSync(
    join(home, ".claude.json"),
    JSON.stringify({ hasCompletedOnboarding: true, numStartups: 1 }, null, 2),
  );
  return {
    ANTHROPIC_BASE_URL: server.url,
    ANTHROPIC_AUTH_TOKEN: "test-token",
    // Offline here: no update checks, telemetry or npm look-ups.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    // Tests run as root in CI, where claude refuses to bypass permissions without this.
    IS_SANDBOX: "1",
  };
}

/** A user's codex with a provider configured (the model endpoint). */
function seedCodex(server: ModelServer): Record<string, string> {
  // Not under /tmp: there codex refuses to install its helpers and so never starts the shared
  // app-server that a real user's codex starts (and that must not outlive a peer).
  const parent = join(homedir(), ".cache", "iapeer", "test-codex-homes");
  mkdirSync(parent, { recursive: true });
  const codexHome = mkdtempSync(join(parent, "home-"));
  codexHomes.add(codexHome);
  writeFileSync(
    join(codexHome, "config.toml"),
    [
      'model = "gpt-test"',
      'model_provider = "scripted"',
      "",
      "[model_providers.scripted]",
      'name = "scripted"',
      `base_url = "${server.url}/v1"`,
      'env_key = "SCRIPTED_API_KEY"',
      'wire_api = "responses"',
      "",
    ].join("\n"),
  );
  return { CODEX_HOME: codexHome, SCRIPTED_API_KEY: "test-key" };
}

export interface AgentHostOptions {
  /** Leave the model endpoint out: a host where the CLI cannot work. */
  noEndpoint?: boolean;
  env?: Record<string, string>;
}

export async function agentHost(
  runtime: AgentRuntime,
  binDir: string,
  opts: AgentHostOptions = {},
): Promise<AgentHost> {
  const server = await startModelServer();
  servers.add(server);
  const port = await freePort();
  const sb = sandbox({
    PATH: `${binDir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    IAPEER_PORT: String(port),
    IAPEER_SERVICE_MANAGER: "none",
    ...opts.env,
  });
  const home = sb.config.home;
  homes.add(home);
  const seeded = runtime === "claude" ? seedClaude(home, server) : seedCodex(server);
  const endpoint = opts.noEndpoint
    ? Object.fromEntries(Object.keys(seeded).map((k) => [k, ""]))
    : seeded;
  const env: Record<string, string> = {
    ...sb.env,
    DISABLE_AUTOUPDATER: "1",
    ...endpoint,
    ...(opts.noEndpoint &&
      runtime === "claude" && { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1", IS_SANDBOX: "1" }),
    ...opts.env,
    NO_COLOR: "1",
  };
  // An empty value would still be a value: a missing endpoint is a missing variable.
  for (const [k, v] of Object.entries(env)) if (v === "") delete env[k];
  const binary = await iapeerBinary();

  const until: AgentHost["until"] = async (check, what, timeoutMs = 60_000) =>
    (await poll(check, what, timeoutMs)) as NonNullable<Awaited<ReturnType<typeof check>>>;

  return {
    sb,
    ...(seeded.CODEX_HOME && { codexHome: seeded.CODEX_HOME }),
    server,
    env,
    binary,
    until,
    async cli(args, extraEnv = {}) {
      const proc = Bun.spawn([binary, ...args], {
        env: { ...env, ...extraEnv },
        stdout: "pipe",
        stderr: "pipe",
        stdin: "ignore",
      });
      running.add(proc);
      const [code, stdout, stderr] = await Promise.all([
        proc.exited,
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      running.delete(proc);
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      return { code, stdout, stderr, json: json as CliRun["json"] };
    },
    async startDaemon(extraEnv = {}) {
      // A command run before (create, set) started one in the background: stopped the CLI's way.
      if (existsSync(join(sb.config.sockDir, "daemon.json"))) {
        const stopped = Bun.spawnSync([binary, "daemon", "stop"], { env });
        if (stopped.exitCode !== 0)
          throw new Error(`the background daemon did not stop: ${stopped.stderr.toString()}`);
      }
      const proc = Bun.spawn([binary, "daemon"], {
        env: { ...env, ...extraEnv },
        stdout: "ignore",
        stderr: "pipe",
        stdin: "ignore",
      });
      running.add(proc);
      const info = join(sb.config.sockDir, "daemon.json");
      await until(
        () => {
          if (proc.exitCode !== null) throw new Error(`the daemon exited with ${proc.exitCode}`);
          try {
            return JSON.parse(readFileSync(info, "utf8")).pid === proc.pid;
          } catch {
            return false;
          }
        },
        "the daemon to start",
        30_000,
      );
    },
  };
}

/** Every process whose environment says it is this peer's (its tmux server, its agent, and
 * whatever those started). */
export function processesOfPeer(home: string, identity: string): number[] {
  return processesOfHome(home, identity);
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** Processes of an iapeer home (of one peer of it, with `identity`), this one left out. */
function processesOfHome(home: string, identity?: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8");
      const vars = environ.split("\0");
      if (
        vars.includes(`IAPEER_HOME=${home}`) &&
        (identity === undefined || vars.includes(`PEER_IDENTITY=${identity}`))
      )
        pids.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids.filter((pid) => pid !== process.pid);
}

/** Every process run from a program under `dir` (a codex's own copy of itself, say). */
export function processesRunFrom(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv0 = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")[0] ?? "";
      if (argv0.startsWith(`${dir}/`)) pids.push(Number(entry));
    } catch {
      // Gone.
    }
  }
  return pids;
}

/** Stop every process and server the real-agent tests started, by pid (test/setup.ts). */
export async function cleanupAgents(): Promise<void> {
  for (const proc of running) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
  running.clear();
  // An agent still exiting writes into its HOME: gone before the sandbox removes it.
  for (const home of homes) {
    const pids = processesOfHome(home).filter(pidAlive);
    for (const pid of pids) kill(pid);
    for (
      const until = Date.now() + 5000;
      Date.now() < until && !pids.every((pid) => !pidAlive(pid));
    )
      await Bun.sleep(20);
  }
  homes.clear();
  for (const server of servers) await server.stop();
  servers.clear();
  for (const dir of codexHomes) {
    // Whatever a codex left running from its home (a shared app-server) goes with it.
    for (const pid of processesRunFrom(dir)) kill(pid);
    rmSync(dir, { recursive: true, force: true });
  }
  codexHomes.clear();
}
