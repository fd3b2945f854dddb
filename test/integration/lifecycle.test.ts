import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { peerLog } from "../../src/core/paths";
import type { Host } from "../../src/home/host";
import { pidAlive } from "../../src/launch/pid";
import { restartPeer, startPeer, stopPeer } from "../../src/lifecycle/control";
import { recentDeaths } from "../../src/lifecycle/crash-guard";
import { getSession } from "../../src/lifecycle/sessions";
import { allStates } from "../../src/lifecycle/state";
import { superviseTick } from "../../src/lifecycle/supervise";
import { wakeOrSpawn } from "../../src/lifecycle/wake";
import { createPeer } from "../../src/registry/create";
import { Tmux, tmuxCalls } from "../../src/tmux/client";
import { runSource } from "../helpers/cli";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

function peer(
  host: Host,
  name: string,
  runtime = "echo",
  extra: { command?: string; alwaysOn?: boolean } = {},
) {
  const r = createPeer(host, { name, runtime, ...extra });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

async function woken(host: Host, name: string, opts = {}) {
  const r = await wakeOrSpawn(host, name, opts);
  if (!r.ok) throw new Error(r.error);
  return r;
}

/** A stand-in for claude: records its argv, shows claude's recorded ready screen, waits. */
async function fakeClaude(sb: Sandbox): Promise<string> {
  const screen = join(import.meta.dir, "..", "fixtures", "screens", "claude-ready.txt");
  const path = join(sb.config.home, "fake-claude");
  await Bun.write(
    path,
    `#!/bin/sh\necho "$@" >> "$PEER_CWD/argv.log"\ncat '${screen}'\nexec sleep 600\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

function lifecycleLog(sb: Sandbox): string {
  return readFileSync(sb.layout.lifecycleLog, "utf8");
}

describe("wakeOrSpawn", () => {
  test("two concurrent wakes in one process make one session", async () => {
    const sb = sandbox();
    const host = sb.host();
    peer(host, "ana");
    const [a, b] = await Promise.all([woken(host, "ana"), woken(host, "ana")]);
    expect([a.woke, b.woke].sort()).toEqual([false, true]);
    expect(a.session.serverPid).toBe(b.session.serverPid);
  });

  test("two concurrent `iapeer wake` processes make one session", async () => {
    const sb = sandbox();
    peer(sb.host(), "ana");
    const main = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
    const procs = [0, 1].map(() =>
      Bun.spawn([process.execPath, main, "wake", "ana", "--json"], {
        env: { ...process.env, ...sb.env },
        stdout: "pipe",
        stderr: "pipe",
      }),
    );
    const outs = await Promise.all(
      procs.map(async (p) => ({ code: await p.exited, out: await new Response(p.stdout).text() })),
    );
    expect(outs.map((o) => o.code)).toEqual([0, 0]);
    const results = outs.map((o) => JSON.parse(o.out));
    expect(results.map((r) => r.woke).sort()).toEqual([false, true]);
    expect(lifecycleLog(sb).match(/ev=launch /g)?.length).toBe(1);
    expect(
      new Tmux(join(sb.layout.tmuxSockDir, "echo-ana.sock"))
        .run(["list-sessions", "-F", "#{session_name}"])
        .stdout.trim(),
    ).toBe("echo-ana");
  });

  test("an unknown peer or runtime is refused", async () => {
    const sb = sandbox();
    const host = sb.host();
    peer(host, "ana");
    expect(await wakeOrSpawn(host, "nobody")).toMatchObject({ ok: false, refusal: "unknown-peer" });
    expect(await wakeOrSpawn(host, "ana", { runtime: "codex" })).toMatchObject({
      ok: false,
      refusal: "unknown-runtime",
    });
  });
});

describe("sleep, death and waking again", () => {
  test("idle sleep, then a wake resumes the conversation with the adapter's resume flag", async () => {
    // A key, so that claude's credentials check lets the fake start.
    const sb = sandbox({ IAPEER_IDLE_SECS: "1", ANTHROPIC_API_KEY: "sk-test" });
    const host = sb.host();
    const p = createPeer(host, { name: "cl", runtime: "claude" });
    if (!p.ok) throw new Error(p.error);
    // The fake binary goes in the profile's settings, as a user would point at their own claude.
    const profile = {
      ...p.value.profile,
      settings: { claude: { bin: await fakeClaude(sb), permissionMode: "default" } },
    };
    host.store.db
      .query("UPDATE peers SET profile = ? WHERE personality = 'cl'")
      .run(JSON.stringify(profile));
    const first = await woken(host, "cl");
    expect(first.mode).toBe("fresh");
    // Nothing printed for longer than IAPEER_IDLE_SECS.
    const old = new Date(Date.now() - 5000);
    utimesSync(peerLog(sb.layout, "claude-cl"), old, old);
    host.store.db
      .query("UPDATE sessions SET last_active_at = ?, started_at = ? WHERE identity = 'claude-cl'")
      .run(old.toISOString(), old.toISOString());
    const tick = await superviseTick(host);
    expect(tick.slept).toEqual(["claude-cl"]);
    expect(await new Tmux(first.session.socket).hasSession("claude-cl")).toBe(false);
    expect(getSession(host.store, "claude-cl")).toMatchObject({ state: "asleep", resume: true });
    const second = await woken(host, "cl");
    expect(second.mode).toBe("resume");
    const argv = readFileSync(join(p.value.cwd, "argv.log"), "utf8").trim().split("\n");
    // The hooks' settings come last on each command line (their own test checks them).
    expect(argv.map((a) => a.split(" --settings ")[0])).toEqual([
      "--permission-mode default",
      "--permission-mode default --continue",
    ]);
    expect(argv.every((a) => a.includes(' --settings {"hooks":'))).toBe(true);
    expect(lifecycleLog(sb)).toContain("ev=sleep identity=claude-cl reason=idle");
    expect(lifecycleLog(sb)).toContain("ev=wake identity=claude-cl mode=resume reason=idle-sleep");
    expect(existsSync(sb.layout.exitsLog)).toBe(false); // a sleep is not a death
  });

  test("kill -9 of the process: the next tick records signaled SIGKILL, and a wake starts fresh", async () => {
    const sb = sandbox();
    const host = sb.host();
    peer(host, "ana");
    const first = await woken(host, "ana");
    process.kill(first.session.panePid as number, "SIGKILL");
    const died = await until(async () => {
      const tick = await superviseTick(host);
      return tick.died.length > 0 && tick.died;
    }, "a tick to record the death");
    expect(died).toEqual([{ identity: "echo-ana", class: "signaled", signal: "SIGKILL" }]);
    expect(recentDeaths(host, "ana")).toMatchObject([{ class: "signaled", signal: "SIGKILL" }]);
    expect(allStates(host)[0]?.state).toBe("asleep");
    const again = await woken(host, "ana");
    expect(again.mode).toBe("fresh");
    expect(lifecycleLog(sb)).toContain("ev=wake identity=echo-ana mode=fresh reason=after-exit");
  });

  test("SIGKILL of the tmux server is recorded as server-dead", async () => {
    const sb = sandbox();
    const host = sb.host();
    peer(host, "ana");
    const first = await woken(host, "ana");
    process.kill(first.session.serverPid as number, "SIGKILL");
    try {
      process.kill(first.session.panePid as number, "SIGKILL");
    } catch {}
    const died = await until(async () => {
      const tick = await superviseTick(host);
      return tick.died.length > 0 && tick.died;
    }, "a tick to record the death");
    expect(died).toEqual([{ identity: "echo-ana", class: "server-dead" }]);
    expect(lifecycleLog(sb)).toMatch(
      /ev=session-lost identity=echo-ana class=server-dead server_pid=\d+ uptime_s=\d+/,
    );
  });

  test("the tick runs no tmux process for live sessions", async () => {
    const sb = sandbox();
    const host = sb.host();
    for (const name of ["a1", "a2", "a3", "a4"]) {
      peer(host, name);
      await woken(host, name);
    }
    const before = tmuxCalls.count;
    const tick = await superviseTick(host);
    expect(tick).toEqual({ checked: 4, slept: [], died: [] });
    expect(tmuxCalls.count - before).toBe(0);
  });
});

describe("crash-loop guard", () => {
  test("a runtime that dies at once three times is failed; wakes are refused until the back-off ends", async () => {
    const sb = sandbox({ IAPEER_BACKOFF_SECS: "120" });
    const host = sb.host();
    const p = createPeer(host, {
      name: "dier",
      runtime: "command",
      command: "sh -c 'sleep 0.05; exit 3'",
    });
    if (!p.ok) throw new Error(p.error);
    const profile = {
      ...p.value.profile,
      settings: { command: { command: "sh -c 'sleep 0.05; exit 3'", ready: "never" } },
    };
    host.store.db
      .query("UPDATE peers SET profile = ? WHERE personality = 'dier'")
      .run(JSON.stringify(profile));
    for (let i = 0; i < 3; i++) {
      const r = await wakeOrSpawn(host, "dier");
      expect(r).toMatchObject({ ok: false, refusal: "launch" });
      if (!r.ok) expect(r.error).toContain("exited with status 3 while starting");
    }
    const refused = await wakeOrSpawn(host, "dier");
    expect(refused).toMatchObject({ ok: false, refusal: "failed" });
    if (!refused.ok)
      expect(refused.error).toMatch(
        /wakes are refused until \d{4}-\d\d-\d\dT[\d:.]+Z \(in 1[12]\d s\)|in 1[12]\ds/,
      );
    expect(allStates(host)[0]).toMatchObject({ state: "failed" });
    expect(lifecycleLog(sb)).toContain(
      "ev=crash-loop peer=dier deaths=3 window_s=300 backoff_s=120",
    );
    // start clears the guard (and tries again).
    const started = await startPeer(host, "dier");
    expect(started).toMatchObject({ ok: false, refusal: "launch" });
  });
});

describe("stop, start, restart, always-on", () => {
  test("a stopped peer refuses wakes; start wakes it", async () => {
    const sb = sandbox();
    const host = sb.host();
    peer(host, "ana");
    const first = await woken(host, "ana");
    expect(await stopPeer(host, "ana")).toEqual({ ok: true, value: ["echo-ana"] });
    expect(await new Tmux(first.session.socket).hasSession("echo-ana")).toBe(false);
    const refused = await wakeOrSpawn(host, "ana");
    expect(refused).toMatchObject({ ok: false, refusal: "stopped" });
    expect(allStates(host)[0]?.state).toBe("stopped");
    const started = await startPeer(host, "ana");
    expect(started).toMatchObject({ ok: true, woke: true });
    expect(lifecycleLog(sb)).toContain("ev=stop identity=echo-ana reason=stop");
  });

  test("restart is a fresh start now", async () => {
    const sb = sandbox();
    const host = sb.host();
    peer(host, "ana");
    const first = await woken(host, "ana");
    const again = await restartPeer(host, "ana");
    expect(again).toMatchObject({ ok: true, woke: true, mode: "fresh" });
    if (again.ok) expect(again.session.serverPid).not.toBe(first.session.serverPid);
    expect(lifecycleLog(sb)).toContain("reason=restart");
  });

  test("an always-on peer is never woken by iapeer", async () => {
    const sb = sandbox();
    const host = sb.host();
    peer(host, "bot", "echo", { alwaysOn: true });
    expect(await wakeOrSpawn(host, "bot")).toMatchObject({ ok: false, refusal: "always-on" });
    expect(allStates(host)[0]?.state).toBe("always-on");
  });

  test("the CLI reports refusals in one line with exit 1, and list --json has the documented fields", () => {
    const sb = sandbox();
    expect(runSource(["create", "ana", "--runtime", "echo"], sb.env).code).toBe(0);
    expect(runSource(["stop", "ana"], sb.env).code).toBe(0);
    const refused = runSource(["wake", "ana"], sb.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n").at(-1)).toBe(
      "iapeer: peer ana is stopped; `iapeer start ana` lets it wake again",
    );
    const list = JSON.parse(runSource(["list", "--json"], sb.env).stdout);
    expect(list).toEqual([
      {
        personality: "ana",
        runtime: "echo",
        identity: "echo-ana",
        default: true,
        state: "stopped",
        cwd: join(sb.layout.peersDir, "ana"),
        queued: 0,
      },
    ]);
  });
});

describe("robust against interruptions", () => {
  test("an orphan session left by an interrupted wake does not block the next wake", async () => {
    const sb = sandbox();
    const host = sb.host();
    peer(host, "ana");
    const first = await woken(host, "ana");
    // The wake's process died before recording it: the tmux session lives, no live row.
    host.store.db.run("DELETE FROM sessions");
    const again = await woken(host, "ana");
    expect(again.woke).toBe(true);
    expect(again.session.serverPid).not.toBe(first.session.serverPid);
    expect(recentDeaths(host, "ana")).toEqual([]);
    expect(lifecycleLog(sb)).toContain("ev=orphan-stopped identity=echo-ana");
  });

  test("a death found by a wake is recorded once, and a later pass does not count it again", async () => {
    const sb = sandbox();
    const host = sb.host();
    peer(host, "ana");
    const first = await woken(host, "ana");
    process.kill(first.session.serverPid as number, "SIGKILL");
    process.kill(first.session.panePid as number, "SIGKILL");
    await until(
      () => !pidAlive(first.session.serverPid) && !pidAlive(first.session.panePid),
      "the server and its pane to be gone",
    );
    const again = await woken(host, "ana");
    expect(again.woke).toBe(true);
    expect(again.session.serverPid).not.toBe(first.session.serverPid);
    await superviseTick(host);
    expect(recentDeaths(host, "ana").map((d) => d.class)).toEqual(["server-dead"]);
  });

  test("start with a runtime the peer lacks changes nothing", async () => {
    const sb = sandbox();
    const host = sb.host();
    peer(host, "ana");
    await stopPeer(host, "ana");
    expect(await startPeer(host, "ana", "codex")).toMatchObject({
      ok: false,
      refusal: "unknown-runtime",
    });
    expect(allStates(host)[0]?.state).toBe("stopped");
  });
});

test("the tick rotates pane logs and exits.log by size, and still reads every death", async () => {
  const sb = sandbox({ IAPEER_LOG_MAX_BYTES: "4096", IAPEER_LOG_FILES: "2" });
  const host = sb.host();
  peer(host, "ana");
  const w = await woken(host, "ana");
  const tmux = new Tmux(w.session.socket);
  for (let i = 0; i < 5; i++) await tmux.sendKeys("echo-ana", ["x".repeat(1000), "Enter"]);
  const pane = peerLog(sb.layout, "echo-ana");
  await until(() => Bun.file(pane).size > 4096, "the pane log to pass IAPEER_LOG_MAX_BYTES");
  const exits = sb.layout.exitsLog;
  await Bun.write(
    exits,
    `${"ts=2026-01-01T00:00:00Z ev=session-exit identity=echo-old dead_status=0 dead_signal=\n".repeat(60)}`,
  );
  await superviseTick(host);
  expect(existsSync(`${pane}.1`)).toBe(true);
  expect(Bun.file(pane).size).toBeLessThan(4096);
  expect(existsSync(`${exits}.1`)).toBe(true);
  // A death after the rotation is still found.
  process.kill(w.session.panePid as number, "SIGKILL");
  const died = await until(async () => {
    const tick = await superviseTick(host);
    return tick.died.length > 0 && tick.died;
  }, "a tick to record the death");
  expect(died).toEqual([{ identity: "echo-ana", class: "signaled", signal: "SIGKILL" }]);
});

test("attach wakes the peer and joins its session in a real terminal; detaching leaves it live", async () => {
  const sb = sandbox();
  const host = sb.host();
  peer(host, "ana");
  // A terminal for `iapeer attach`: a pane of another tmux server.
  const outer = new Tmux(join(sb.layout.sockDir, "outer.sock"));
  const main = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
  const env = Object.entries({ ...sb.env, TERM: "xterm-256color" }).flatMap(([k, v]) => [
    "-e",
    `${k}=${v}`,
  ]);
  outer.run([
    "-f",
    "/dev/null",
    "new-session",
    "-d",
    "-s",
    "term",
    "-x",
    "120",
    "-y",
    "30",
    ...env,
    "--",
    process.execPath,
    main,
    "attach",
    "ana",
  ]);
  try {
    await until(
      async () => (await outer.capturePane("term")).stdout.includes("echo agent ready"),
      "the attached terminal to show the agent",
    );
    await outer.sendKeys("term", ["C-b", "d"]);
    // attach returned, its pane closed
    await until(async () => !(await outer.hasSession("term")), "attach to return on detach");
    expect(allStates(host)[0]?.state).toBe("live");
  } finally {
    await outer.killServer();
  }
});
