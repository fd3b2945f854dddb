import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { launch } from "../../src/launch/launch";
import { claudeAdapter } from "../../src/runtimes/claude";
import { commandAdapter } from "../../src/runtimes/command";
import { echoAdapter } from "../../src/runtimes/echo";
import { telegramAdapter } from "../../src/runtimes/telegram";
import { sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

describe("launching an echo peer", () => {
  test("reaches READY, logs its output, and gets the peer's environment", async () => {
    const sb = sandbox();
    const id = sb.identity("echo", "ana");
    const cwd = sb.peerDir("ana");
    const cfg = sb.launchConfig(id);
    const r = await launch({ identity: id, cwd, resume: false, settings: {} }, echoAdapter, cfg);
    if (!r.ok) throw new Error(r.error);
    expect(r.session.serverPid).toBeGreaterThan(0);
    expect(r.session.panePid).toBeGreaterThan(0);

    const tmux = sb.tmux(id);
    // The server holds it as its global environment, which every pane gets.
    const env = tmux.run(["show-environment", "-g"]).stdout;
    expect(env).toContain("PEER_PERSONALITY=ana");
    expect(env).toContain("PEER_RUNTIME=echo");
    expect(env).toContain("PEER_IDENTITY=echo-ana");
    expect(env).toContain(`PEER_CWD=${cwd}`);
    // The runtime is the pane's own process, not a shell around it.
    const procEnv = readFileSync(`/proc/${r.session.panePid}/environ`, "utf8").split("\0");
    expect(procEnv).toContain("PEER_IDENTITY=echo-ana");
    expect(procEnv).toContain(`IAPEER_HOME=${sb.config.home}`);

    // The pane log grows with what the session prints.
    const paneLog = () => (existsSync(cfg.paneLog) ? readFileSync(cfg.paneLog, "utf8") : "");
    await until(() => paneLog().includes("echo agent ready"), "the pane log to show the boot");
    expect(statSync(cfg.paneLog).mode & 0o777).toBe(0o600);
    expect(paneLog()).not.toContain("hello there");
    const before = statSync(cfg.paneLog).size;
    await tmux.sendKeys(id.identity, ["hello there", "Enter"]);
    const received = await until(
      () => existsSync(receivedLog(cwd)) && readFileSync(receivedLog(cwd), "utf8").trim(),
      "the agent to record the line",
    );
    expect(JSON.parse(received.split("\n")[0] ?? "{}").text).toBe("hello there");
    await until(() => paneLog().includes("hello there"), "the pane log to show the typed line");
    expect(statSync(cfg.paneLog).size).toBeGreaterThan(before);

    expect(readFileSync(sb.layout.lifecycleLog, "utf8")).toContain(
      "ev=launch identity=echo-ana mode=fresh",
    );
  });

  test("the session's environment reaches the pane without being on any command line", async () => {
    const secret = `sk-secret-${crypto.randomUUID()}`;
    const sb = sandbox({ ANTHROPIC_API_KEY: secret });
    const id = sb.identity("echo", "keys");
    const r = await launch(
      { identity: id, cwd: sb.peerDir("keys"), resume: false, settings: {} },
      echoAdapter,
      sb.launchConfig(id),
    );
    if (!r.ok) throw new Error(r.error);
    const environ = readFileSync(`/proc/${r.session.panePid}/environ`, "utf8").split("\0");
    expect(environ).toContain(`ANTHROPIC_API_KEY=${secret}`);
    // Any local user can read every process's command line: the value is in none of them.
    const exposed = readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(secret);
        } catch {
          return false;
        }
      });
    expect(exposed).toEqual([]);
    expect(readFileSync(`/proc/${r.session.serverPid}/cmdline`, "utf8")).toContain("new-session");
  });

  test("answers the boot dialog after a slow boot", async () => {
    const sb = sandbox();
    const id = sb.identity("echo", "bo");
    const r = await launch(
      {
        identity: id,
        cwd: sb.peerDir("bo"),
        resume: false,
        settings: { bootDelayMs: 600, bootDialog: true },
      },
      echoAdapter,
      sb.launchConfig(id),
    );
    if (!r.ok) throw new Error(r.error);
    expect(r.session.dialogs).toEqual(["trust-folder"]);
    expect(r.session.readyMs).toBeGreaterThanOrEqual(600);
  });
});

describe("a runtime that cannot start fails fast with its cause", () => {
  test("a binary that does not exist", async () => {
    const sb = sandbox();
    const id = sb.identity("command", "ghost");
    const t = performance.now();
    const r = await launch(
      {
        identity: id,
        cwd: sb.peerDir("ghost"),
        resume: false,
        settings: { command: "/nonexistent/agent --x" },
      },
      { ...commandAdapter, argv: () => ({ ok: true, value: ["/nonexistent/agent", "--x"] }) },
      sb.launchConfig(id, { bootTimeoutMs: 20_000 }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe("not-found");
    expect(r.error).toContain("/nonexistent/agent not found on PATH");
    // Well before the boot deadline (20 s): it never waited for a screen.
    expect(performance.now() - t).toBeLessThan(10_000);
  });

  test("a program that prints why and exits 1 at once", async () => {
    const sb = sandbox();
    const id = sb.identity("command", "quitter");
    const t = performance.now();
    const r = await launch(
      {
        identity: id,
        cwd: sb.peerDir("quitter"),
        resume: false,
        // tmux 3.3 drops the output of a process that exits within its first few milliseconds;
        // a real runtime takes longer than that to start, print and exit.
        settings: {
          command: "sh -c 'sleep 0.1; echo cannot reach the service >&2; exit 1'",
          ready: "never-matches",
        },
      },
      commandAdapter,
      sb.launchConfig(id, { bootTimeoutMs: 20_000 }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe("died");
    expect(r.error).toContain("exited with status 1 while starting");
    expect(r.error).toContain("cannot reach the service");
    expect(performance.now() - t).toBeLessThan(10_000); // well before the 20 s deadline
    expect(await sb.tmux(id).hasSession(id.identity)).toBe(false);
  });

  test("a working directory that does not exist", async () => {
    const sb = sandbox();
    const id = sb.identity("echo", "nowhere");
    const r = await launch(
      { identity: id, cwd: join(sb.config.home, "missing"), resume: false, settings: {} },
      echoAdapter,
      sb.launchConfig(id),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("does not exist");
    expect(existsSync(sb.launchConfig(id).socket)).toBe(false);
  });
});

describe("boot outcomes besides READY", () => {
  test("a recorded fatal screen stops the launch at once with its cause, and no death is logged", async () => {
    // Credentials in the environment: what stops this claude is what its screen says.
    const sb = sandbox({ ANTHROPIC_API_KEY: "sk-test" });
    const id = sb.identity("claude", "nologin");
    const screen = join(import.meta.dir, "..", "fixtures", "screens", "claude-login.txt");
    const fake = join(sb.config.home, "fake-claude");
    await Bun.write(fake, `#!/bin/sh\ncat '${screen}'\nexec sleep 600\n`);
    chmodSync(fake, 0o755);
    const t = performance.now();
    const r = await launch(
      { identity: id, cwd: sb.peerDir("nologin"), resume: false, settings: { bin: fake } },
      claudeAdapter,
      sb.launchConfig(id, { bootTimeoutMs: 20_000 }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe("fatal-screen");
    expect(r.error).toBe(
      "claude cannot start: claude is not signed in; run `claude` once yourself and log in, or set ANTHROPIC_API_KEY",
    );
    // Neither the deadline (20 s) nor an unchanged screen's 5 s: the reason says it was the screen.
    expect(performance.now() - t).toBeLessThan(10_000);
    expect(await sb.tmux(id).hasSession(id.identity)).toBe(false);
    await Bun.sleep(200);
    expect(existsSync(sb.layout.exitsLog)).toBe(false);
    expect(readFileSync(sb.layout.lifecycleLog, "utf8")).toContain(
      "ev=launch-failed identity=claude-nologin reason=fatal-screen",
    );
  });

  test("a program that never gets ready times out, quoting its screen", async () => {
    const sb = sandbox();
    const id = sb.identity("command", "slow");
    const r = await launch(
      {
        identity: id,
        cwd: sb.peerDir("slow"),
        resume: false,
        settings: {
          command: "sh -c 'echo warming up; echo still warming; exec sleep 600'",
          ready: "^ready>",
        },
      },
      commandAdapter,
      sb.launchConfig(id, { bootTimeoutMs: 600 }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe("timeout");
    expect(r.error).toBe(
      'command was not ready after 1s; last output: "warming up" / "still warming"',
    );
    expect(await sb.tmux(id).hasSession(id.identity)).toBe(false);
  });

  test("a program that exits 1 at once, printing nothing, fails with its status", async () => {
    const sb = sandbox();
    const id = sb.identity("command", "mute");
    const r = await launch(
      {
        identity: id,
        cwd: sb.peerDir("mute"),
        resume: false,
        settings: { command: "false", ready: "x" },
      },
      commandAdapter,
      sb.launchConfig(id),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe("command exited with status 1 while starting");
  });
});

describe("best effort and router runtimes", () => {
  test("a tmux that refuses the exit hook still gets a plain session, and the refusal is logged", async () => {
    const sb = sandbox();
    const id = sb.identity("echo", "nohook");
    const wrapper = join(sb.config.home, "tmux-without-hooks");
    const real = Bun.which("tmux") ?? "tmux";
    await Bun.write(
      wrapper,
      `#!/bin/sh\nfor a in "$@"; do [ "$a" = set-hook ] && { echo "unknown command: set-hook" >&2; exit 1; }; done\nexec ${real} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const r = await launch(
      { identity: id, cwd: sb.peerDir("nohook"), resume: false, settings: {} },
      echoAdapter,
      sb.launchConfig(id, { tmuxBinary: wrapper }),
    );
    if (!r.ok) throw new Error(r.error);
    const log = readFileSync(sb.layout.lifecycleLog, "utf8");
    expect(log).toContain(
      'ev=exit-hook-failed identity=echo-nohook error="unknown command: set-hook"',
    );
    expect(log).toContain("ev=launch identity=echo-nohook");
  });

  test("a router runtime is ready as soon as its session is up", async () => {
    const sb = sandbox();
    const id = sb.identity("telegram", "bridge");
    const bridge = join(sb.config.home, "fake-bridge");
    await Bun.write(bridge, '#!/bin/sh\n[ "$1" = run ] || exit 2\nexec sleep 600\n');
    chmodSync(bridge, 0o755);
    const r = await launch(
      { identity: id, cwd: sb.peerDir("bridge"), resume: false, settings: { bin: bridge } },
      telegramAdapter,
      sb.launchConfig(id),
    );
    if (!r.ok) throw new Error(r.error);
    expect(r.session.readyMs).toBeLessThan(5000); // well before its 10 s deadline
    expect(await sb.tmux(id).hasSession(id.identity)).toBe(true);
  });
});
