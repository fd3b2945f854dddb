import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { decodeEnvelope } from "../codec/envelope";
import { callDaemon } from "../daemon/client";
import type { DaemonInfo } from "../daemon/info";
import { Tmux, tmuxVersion } from "../tmux/client";
import { readExits } from "../tmux/exits";

/** One step of the self-test, as printed and as `--json` gives it. */
interface StepResult {
  step: string;
  ok: boolean;
  ms: number;
  detail: string;
}

interface SelftestReport {
  ok: boolean;
  ms: number;
  home: string;
  steps: StepResult[];
}

class StepFailed extends Error {}
const fail = (detail: string): never => {
  throw new StepFailed(detail);
};

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) return fail(`${what}: not within ${timeoutMs / 1000}s`);
    await Bun.sleep(50);
  }
}

/**
 * An end-to-end proof on this host, in a throwaway IAPEER_HOME that is removed afterwards, with
 * every process it started stopped: a daemon, two echo peers, a wake and delivery, a peer-to-peer
 * message, a death, a sleep and a resume.
 */
export async function selftest(
  iapeer: readonly string[],
  inherited: Readonly<Record<string, string>>,
  onStep: (s: StepResult) => void = () => {},
): Promise<SelftestReport> {
  const started = performance.now();
  const steps: StepResult[] = [];
  const home = mkdtempSync("/tmp/iapeer-selftest-");
  const env: Record<string, string> = {
    ...inherited,
    IAPEER_HOME: home,
    IAPEER_PORT: "0",
    IAPEER_SERVICE_MANAGER: "none",
    IAPEER_IDLE_SECS: "2",
    IAPEER_TICK_SECS: "1",
  };
  for (const k of ["IAPEER_SOCK_DIR", "IAPEER_LAUNCHAGENTS_DIR", "IAPEER_SYSTEMD_DIR"])
    delete env[k];
  let daemon: ReturnType<typeof Bun.spawn> | undefined;
  let info: DaemonInfo | undefined;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    if (!info) return fail("no daemon");
    const answer = await callDaemon<T>(info, method, path, body);
    return answer.ok ? answer.value : fail(answer.error);
  };
  const cli = (...args: string[]) =>
    Bun.spawnSync([...iapeer, ...args], { env, stdout: "pipe", stderr: "pipe" });
  const received = (peer: string): string[] => {
    const path = join(home, "peers", peer, ".iapeer", "echo-received.jsonl");
    return existsSync(path)
      ? readFileSync(path, "utf8")
          .trim()
          .split("\n")
          .map((l) => (JSON.parse(l) as { text: string }).text)
      : [];
  };
  const events = async (): Promise<
    { ev: string; identity?: string; mode?: string; class?: string; signal?: string }[]
  > => {
    const out = cli("events", "--json");
    return out.stdout
      .toString()
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  };

  const step = async (name: string, run: () => Promise<string>): Promise<boolean> => {
    const t = performance.now();
    let result: StepResult;
    try {
      result = { step: name, ok: true, ms: 0, detail: await run() };
    } catch (error) {
      result = {
        step: name,
        ok: false,
        ms: 0,
        detail: error instanceof StepFailed ? error.message : `unexpected: ${String(error)}`,
      };
    }
    result.ms = Math.round(performance.now() - t);
    steps.push(result);
    onStep(result);
    return result.ok;
  };

  try {
    const all = [
      async () =>
        step("tmux is installed", async () => {
          const v = tmuxVersion();
          return v ? `tmux ${v}` : fail("tmux was not found on PATH; install tmux ≥ 3.3");
        }),
      async () =>
        step("start a daemon", async () => {
          const proc = Bun.spawn([...iapeer, "daemon"], { env, stdout: "ignore", stderr: "pipe" });
          daemon = proc;
          const infoPath = join(home, "run", "daemon.json");
          const seen = await until("daemon.json", 10_000, () => {
            if (daemon?.exitCode !== null && daemon?.exitCode !== undefined) return "exited";
            if (!existsSync(infoPath)) return undefined;
            const i = JSON.parse(readFileSync(infoPath, "utf8")) as DaemonInfo;
            return i.pid === daemon?.pid ? i : undefined;
          });
          if (seen === "exited") {
            // Its own last words say why (a port in use, a damaged database…).
            const said = (await new Response(proc.stderr).text()).trim().split("\n").at(-1);
            return fail(`the daemon exited with ${proc.exitCode}${said ? `: ${said}` : ""}`);
          }
          info = seen;
          return `pid ${info.pid} on ${info.socket}`;
        }),
      async () =>
        step("create two echo peers", async () => {
          for (const name of ["alpha", "beta"]) {
            const r = cli("create", name, "--runtime", "echo");
            if (r.exitCode !== 0) fail(`create ${name}: ${r.stderr.toString().trim()}`);
          }
          return "alpha, beta";
        }),
      async () =>
        step("send to a sleeping peer: woken, delivered, recorded", async () => {
          const r = await api<{
            outcome: { id: string; outcome: string; woke: boolean; error?: string };
          }>("POST", "/v1/send", { to: "alpha", body: "hello alpha" });
          if (r.outcome.outcome !== "delivered" || !r.outcome.woke)
            fail(
              `outcome ${r.outcome.outcome}${r.outcome.error ? `: ${r.outcome.error}` : ""}, woke ${r.outcome.woke}`,
            );
          const m = await api<{ state: string; deliveredAt?: string }>(
            "GET",
            `/v1/messages/${r.outcome.id}`,
          );
          if (m.state !== "delivered" || !m.deliveredAt) fail(`its record says ${m.state}`);
          const got = received("alpha").map((t) => decodeEnvelope(t));
          if (got.length !== 1 || !got[0]?.ok || got[0].value.body !== "hello alpha")
            fail("the echo agent did not record exactly the body");
          return `${r.outcome.id} delivered`;
        }),
      async () =>
        step("send from one peer to the other", async () => {
          const r = await api<{ outcome: { outcome: string; error?: string } }>(
            "POST",
            "/v1/send",
            { from: "alpha", to: "beta", body: "hello beta, from alpha" },
          );
          if (r.outcome.outcome !== "delivered")
            fail(`outcome ${r.outcome.outcome}: ${r.outcome.error ?? ""}`);
          const env = decodeEnvelope(received("beta")[0] ?? "");
          if (!env.ok || env.value.from !== "alpha") fail("beta did not get it from alpha");
          return "beta got it, from alpha";
        }),
      async () =>
        step("a killed peer's death is recorded", async () => {
          const peers = await api<{ identity: string; pid?: number }[]>("GET", "/v1/peers");
          const pid =
            peers.find((p) => p.identity === "echo-alpha")?.pid ?? fail("alpha is not live");
          const t = performance.now();
          process.kill(pid, "SIGKILL");
          const exit = await until("the exits.log line", 5000, () =>
            readExits(join(home, "logs", "iapeer", "exits.log")).find(
              (e) => e.identity === "echo-alpha",
            ),
          );
          await until("the death event", 5000, async () =>
            (await events()).find((e) => e.ev === "death" && e.identity === "echo-alpha"),
          );
          return `exits.log: ${exit.signal ?? exit.status}; event after ${Math.round(performance.now() - t)} ms`;
        }),
      async () =>
        step("an idle peer sleeps, and resumes on the next message", async () => {
          await until("beta asleep", 10_000, async () =>
            (await api<{ identity: string; state: string }[]>("GET", "/v1/peers")).find(
              (p) => p.identity === "echo-beta",
            )?.state === "asleep"
              ? true
              : undefined,
          );
          const r = await api<{ outcome: { outcome: string; woke: boolean } }>("POST", "/v1/send", {
            to: "beta",
            body: "welcome back",
          });
          if (r.outcome.outcome !== "delivered" || !r.outcome.woke)
            fail(`outcome ${r.outcome.outcome}, woke ${r.outcome.woke}`);
          const resumed = (await events()).some(
            (e) => e.ev === "wake" && e.identity === "echo-beta" && e.mode === "resume",
          );
          return resumed
            ? "slept for idleness, woken with mode=resume"
            : fail("the wake was not a resume");
        }),
      async () =>
        step("stop the daemon", async () => {
          daemon?.kill("SIGTERM");
          const code = await Promise.race([
            daemon?.exited,
            Bun.sleep(10_000).then(() => "timeout"),
          ]);
          if (code !== 0) fail(`the daemon ended with ${code}`);
          if (existsSync(join(home, "run", "daemon.json"))) fail("daemon.json was left behind");
          return "exit 0, daemon.json removed";
        }),
    ];
    for (const run of all) if (!(await run())) break;
  } finally {
    if (daemon && daemon.exitCode === null) {
      daemon.kill("SIGKILL");
      await daemon.exited;
    }
    const sockDir = join(home, "run", "tmux");
    if (existsSync(sockDir))
      for (const sock of readdirSync(sockDir)) new Tmux(join(sockDir, sock)).run(["kill-server"]);
    rmSync(home, { recursive: true, force: true });
  }
  const ok = steps.length === 8 && steps.every((s) => s.ok);
  return { ok, ms: Math.round(performance.now() - started), home, steps };
}
