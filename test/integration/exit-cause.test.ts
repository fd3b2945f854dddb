import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { classifyDeath, logSessionLost } from "../../src/launch/death";
import { type LaunchedSession, launch } from "../../src/launch/launch";
import { stopSession } from "../../src/launch/stop";
import { awaitSessionEnd } from "../../src/launch/watch";
import { commandAdapter } from "../../src/runtimes/command";
import { echoAdapter } from "../../src/runtimes/echo";
import { exitCauseHook } from "../../src/tmux/exit-hook";
import { parseExitLine, readExits } from "../../src/tmux/exits";
import { signalName } from "../../src/tmux/signals";
import { type Sandbox, sandbox } from "../helpers/sandbox";

describe("the exit-cause hook string", () => {
  const hook = exitCauseHook("claude-ana", '/home/a b/it\'s "x" $HOME/exits.log');

  test("appends one logfmt line with the dead pane's status and signal", () => {
    expect(hook).toStartWith(
      'run-shell "umask 077; printf \'%s\\\\n\' \\"ts=\\$(date -u +%Y-%m-%dT%H:%M:%SZ) ev=session-exit identity=claude-ana dead_status=#{pane_dead_status} dead_signal=#{pane_dead_signal}\\" >> ',
    );
  });

  test("sh-quotes the log path inside a tmux-quoted argument", () => {
    expect(hook).toContain(`>> '/home/a b/it'\\\\''s \\"x\\" \\$HOME/exits.log'"`);
  });

  test("appends in the foreground, then kills the session with tmux's own command", () => {
    expect(hook).not.toContain("run-shell -b");
    expect(hook.indexOf("printf")).toBeLessThan(hook.indexOf("kill-session"));
    expect(hook).toEndWith(' ; kill-session -t "=claude-ana"');
  });
});

describe("signal names", () => {
  test.each([
    ["15", "SIGTERM"],
    ["9", "SIGKILL"],
    ["11", "SIGSEGV"],
    ["SIGTERM", "SIGTERM"],
    ["TERM", "SIGTERM"],
    ["kill", "SIGKILL"],
    ["", undefined],
  ])("%p → %p", (raw, name) => expect(signalName(raw)).toBe(name));

  test("exits.log lines parse to statuses and names", () => {
    expect(
      parseExitLine(
        "ts=2026-11-24T12:00:00Z ev=session-exit identity=echo-a dead_status=0 dead_signal=",
      ),
    ).toEqual({
      ts: "2026-11-24T12:00:00Z",
      identity: "echo-a",
      status: 0,
    });
    expect(
      parseExitLine(
        "ts=2026-11-24T12:00:00Z ev=session-exit identity=echo-a dead_status= dead_signal=9",
      ),
    ).toEqual({
      ts: "2026-11-24T12:00:00Z",
      identity: "echo-a",
      signal: "SIGKILL",
    });
    expect(parseExitLine("ts=x ev=launch identity=echo-a")).toBeUndefined();
  });
});

async function up(
  sb: Sandbox,
  runtime: "echo" | "command",
  name: string,
  exitsLog?: string,
): Promise<LaunchedSession> {
  const id = sb.identity(runtime, name);
  const adapter = runtime === "echo" ? echoAdapter : commandAdapter;
  const settings = runtime === "echo" ? {} : { command: "sleep 600" };
  const cfg = sb.launchConfig(id, exitsLog ? { exitsLog } : {});
  const r = await launch(
    { identity: id, cwd: sb.peerDir(name), resume: false, settings },
    adapter,
    cfg,
  );
  if (!r.ok) throw new Error(r.error);
  return r.session;
}

/**
 * Wait, as iapeer's watchers do, until the session is gone; then read its exits.log line.
 * The watcher nudges the server, so a SIGCHLD that tmux missed cannot hide the death.
 */
async function death(s: LaunchedSession, exitsLog: string) {
  const t = performance.now();
  const d = await awaitSessionEnd(s, { exitsLog, pollMs: 20, timeoutMs: 5000 });
  const ms = performance.now() - t;
  const exit = existsSync(exitsLog)
    ? readExits(exitsLog).find((e) => e.identity === s.identity)
    : undefined;
  return { death: d, exit, ms };
}

/** Gone for tmux itself, not only by iapeer's pid check. */
async function gone(sb: Sandbox, s: LaunchedSession): Promise<boolean> {
  const [runtime, personality] = s.identity.split(/-(.*)/s) as [string, string];
  const tmux = sb.tmux(sb.identity(runtime, personality));
  for (let i = 0; i < 50; i++) {
    if (!(await tmux.hasSession(s.identity))) return true;
    await Bun.sleep(20);
  }
  return false;
}

describe("every death leaves its cause in exits.log, and no dead pane behind", () => {
  test("a graceful exit: status, no signal", async () => {
    const sb = sandbox();
    const s = await up(sb, "echo", "calm");
    await sb.tmux(sb.identity("echo", "calm")).sendKeys(s.identity, ["C-d"]);
    const { death: d, exit } = await death(s, sb.layout.exitsLog);
    expect(d).toMatchObject({ class: "exited", status: 0 });
    expect(exit).toMatchObject({ identity: "echo-calm", status: 0 });
    expect(exit?.signal).toBeUndefined();
    expect(await gone(sb, s)).toBe(true);
    // Made by the hook's shell, whatever umask tmux and the test run with: private, as all are.
    expect(statSync(sb.layout.exitsLog).mode & 0o777).toBe(0o600);
  });

  test.each([
    ["SIGTERM", "SIGTERM"],
    ["SIGKILL", "SIGKILL"],
    ["SIGSEGV", "SIGSEGV"],
    ["SIGABRT", "SIGABRT"],
  ] as const)("%s to the process: signal, no status", async (sig, name) => {
    const sb = sandbox();
    const s = await up(sb, "command", "victim");
    process.kill(s.panePid, sig);
    const { death: d, exit } = await death(s, sb.layout.exitsLog);
    expect(d).toMatchObject({ class: "signaled", signal: name });
    expect(exit).toMatchObject({ identity: "command-victim", signal: name });
    expect(exit?.status).toBeUndefined();
    expect(await gone(sb, s)).toBe(true);
  });

  test("a log path with spaces and quotes works", async () => {
    const sb = sandbox();
    const dir = join(sb.config.home, `odd dir 'q' "d" $x`);
    mkdirSync(dir);
    const log = join(dir, "exits.log");
    const s = await up(sb, "command", "odd", log);
    process.kill(s.panePid, "SIGTERM");
    const { exit } = await death(s, log);
    expect(exit?.signal).toBe("SIGTERM");
  });

  test("a stop by iapeer itself is not a death", async () => {
    const sb = sandbox();
    const s = await up(sb, "command", "stopped");
    const tmux = sb.tmux(sb.identity("command", "stopped"));
    expect((await stopSession(tmux)).ok).toBe(true);
    expect(await gone(sb, s)).toBe(true);
    await Bun.sleep(300);
    expect(existsSync(sb.layout.exitsLog) ? readFileSync(sb.layout.exitsLog, "utf8") : "").toBe("");
  });

  test("SIGKILL to the tmux server is classified server-dead", async () => {
    const sb = sandbox();
    const s = await up(sb, "command", "orphan");
    process.kill(s.serverPid, "SIGKILL");
    expect(await gone(sb, s)).toBe(true);
    await Bun.sleep(100);
    const death = classifyDeath(s, sb.layout.exitsLog);
    expect(death.class).toBe("server-dead");
    logSessionLost(sb.events, s, death);
    const line = readFileSync(sb.layout.lifecycleLog, "utf8").trim().split("\n").at(-1) ?? "";
    expect(line).toContain(
      `ev=session-lost identity=command-orphan class=server-dead server_pid=${s.serverPid}`,
    );
    expect(line).toMatch(/uptime_s=\d+/);
    try {
      process.kill(s.panePid, "SIGKILL"); // the orphaned pane process, if it outlived its server
    } catch {}
  });

  test("without an exits log: no hook, no remain-on-exit", async () => {
    const sb = sandbox();
    const id = sb.identity("command", "plain");
    const cfg = { ...sb.launchConfig(id), exitsLog: undefined };
    const r = await launch(
      { identity: id, cwd: sb.peerDir("plain"), resume: false, settings: { command: "sleep 600" } },
      commandAdapter,
      cfg,
    );
    if (!r.ok) throw new Error(r.error);
    const tmux = sb.tmux(id);
    expect(tmux.run(["show-options", "-gw", "remain-on-exit"]).stdout.trim()).toBe(
      "remain-on-exit off",
    );
    expect(tmux.run(["show-hooks", "-g", "pane-died"]).stdout).not.toContain("run-shell");
    process.kill(r.session.panePid, "SIGTERM");
    expect(await gone(sb, r.session)).toBe(true);
    expect(existsSync(sb.layout.exitsLog)).toBe(false);
  });
});

test("ten deaths at once are all recorded", async () => {
  const sb = sandbox();
  const sessions: LaunchedSession[] = [];
  for (let i = 0; i < 10; i++) sessions.push(await up(sb, "command", `many${i}`));
  for (const s of sessions) process.kill(s.panePid, "SIGTERM");
  const deaths = await Promise.all(
    sessions.map((s) => awaitSessionEnd(s, { exitsLog: sb.layout.exitsLog, timeoutMs: 5000 })),
  );
  expect(deaths.map((d) => d?.class)).toEqual(Array(10).fill("signaled"));
  const lines = readExits(sb.layout.exitsLog);
  expect(lines.map((e) => e.identity).sort()).toEqual(sessions.map((s) => s.identity).sort());
});
