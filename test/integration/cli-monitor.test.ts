import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT, runSource } from "../helpers/cli";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { createShellPeer } from "../helpers/shell-peer";
import { until } from "../helpers/until";

const MAIN = join(ROOT, "src", "cli", "main.ts");
const servers: string[] = [];
let made = 0;

/** tmux on a socket of the test's own (-L), never the person's or a peer's server. */
function tmux(server: string, ...args: string[]) {
  const r = Bun.spawnSync(["tmux", "-L", server, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString() };
}

afterEach(() => {
  for (const server of servers.splice(0)) {
    tmux(server, "kill-server");
    // Its socket file may outlive it: it is ours, so it goes too.
    const dir = join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`);
    rmSync(join(dir, server), { force: true });
  }
});

/** `iapeer <words>` running in a 110×30 pane of its own tmux server, which keeps it when it exits. */
function inPane(sb: Sandbox, words: string[], colour: boolean): string {
  const server = `iapeer-monitor-${process.pid}-${made++}`;
  servers.push(server);
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...sb.env };
  delete env.NO_COLOR;
  if (!colour) env.NO_COLOR = "1";
  const started = Bun.spawnSync(
    [
      "tmux",
      "-L",
      server,
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-x",
      "110",
      "-y",
      "30",
      process.execPath,
      MAIN,
      ...words,
      ";",
      "set-option",
      "-g",
      "remain-on-exit",
      "on",
    ],
    { env, stdout: "pipe", stderr: "pipe" },
  );
  expect(started.exitCode).toBe(0);
  return server;
}

const screen = (server: string, escapes = false) =>
  tmux(server, "capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", "0").out;
/**
 * How the pane's program ended (`exit 0`, `signal 15`), once tmux has seen it end. tmux can miss
 * the SIGCHLD of a pane's process under load (see README, "Why a session died"), leaving it a
 * zombie and the pane alive: each look sends the server a SIGCHLD, as the daemon does.
 */
const exited = (server: string): string | false => {
  const [dead, status, signal, serverPid] = tmux(
    server,
    "display-message",
    "-p",
    "-t",
    "0",
    "#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}|#{pid}",
  )
    .out.trim()
    .split("|");
  if (dead === "1" && status) return `exit ${status}`;
  if (dead === "1" && signal) return `signal ${signal}`;
  if (serverPid) process.kill(Number(serverPid), "SIGCHLD");
  return false;
};
/** How the pane ended; on a timeout, what tmux and /proc say of it, for the failure's message. */
async function ending(server: string, what: string): Promise<string> {
  try {
    return await until(() => exited(server), what);
  } catch (error) {
    const pane = tmux(server, "display-message", "-p", "-t", "0", "#{pane_dead} #{pane_pid}").out;
    const pid = pane.trim().split(" ")[1];
    let proc = "gone";
    try {
      proc = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.slice(0, 1) ?? "?";
    } catch {}
    throw new Error(`${(error as Error).message}; pane ${pane.trim()}, process state ${proc}`);
  }
}

/** The screen's line for `peer`, its cells split on runs of spaces. */
const row = (text: string, peer: string) =>
  text
    .split("\n")
    .find((l) => l.startsWith(`${peer} `))
    ?.split(/ {2,}/);

describe("iapeer monitor in a terminal", () => {
  test("peers, state, queue and last activity, redrawn in place as they change; q quits", async () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    for (const name of ["ana", "bob"])
      expect(runSource(["create", name, "--runtime", "echo"], sb.env).code).toBe(0);
    expect(runSource(["wake", "ana"], sb.env).code).toBe(0);
    expect(runSource(["stop", "bob"], sb.env).code).toBe(0);
    createShellPeer(sb, "sh");

    const server = inPane(sb, ["monitor", "--interval", "0.5"], false);
    const first = await until(() => {
      const s = screen(server);
      return row(s, "bob") && row(s, "sh") && s;
    }, "the first frame");
    // The header counts every peer, the stopped one too.
    expect(first).toContain("3 peers: 1 live, 1 stopped, 1 asleep");
    expect(first.split("\n").find((l) => l.startsWith("PEER"))).toMatch(
      /^PEER +RUNTIME +STATE +AGENT +QUEUE +PID +UPTIME +LAST ACTIVITY$/,
    );
    expect(row(first, "ana")?.slice(0, 3)).toEqual(["ana", "echo", "live"]);
    expect(row(first, "ana")?.[4]).toBe("0");
    expect(row(first, "ana")?.[5]).toMatch(/^\d+$/);
    expect(row(first, "ana")?.at(-1)).toMatch(/ago$/);
    expect(row(first, "bob")?.slice(0, 4)).toEqual(["bob", "echo", "stopped", "-"]);

    // A change in the fleet shows in the same place: no second header, bob now live.
    expect(runSource(["start", "bob"], sb.env).code).toBe(0);
    const later = await until(() => {
      const s = screen(server);
      return row(s, "bob")?.[2] === "live" && s;
    }, "bob live on the screen");
    expect(later.split("iapeer monitor").length).toBe(2);
    expect(later).toContain("3 peers: 2 live, 1 asleep");

    // A death is listed below the peers.
    runSource(["send", "sh", "-m", "sleep 1; exit 9"], sb.env);
    await until(
      () => /command-sh +exited with status 9/.test(screen(server)),
      "the death on the screen",
    );
    expect(screen(server)).toContain("LAST DEATHS");

    // NO_COLOR: not one colour on the screen.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a colour starts with ESC
    expect(screen(server, true)).not.toMatch(/\u001b\[[0-9;]*m/);

    tmux(server, "send-keys", "-t", "0", "q");
    expect(await ending(server, "q")).toBe("exit 0");
    // The alternate screen is left: the terminal shows what it had before, not the monitor.
    expect(screen(server)).not.toContain("iapeer monitor");
  }, 90_000);

  test("top is monitor; colours on a terminal; Ctrl-C quits with exit 0", async () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    expect(runSource(["create", "ana", "--runtime", "echo"], sb.env).code).toBe(0);
    expect(runSource(["wake", "ana"], sb.env).code).toBe(0);
    const server = inPane(sb, ["top"], true);
    await until(() => row(screen(server), "ana"), "the first frame");
    // The live peer's line is green.
    const ana = screen(server, true)
      .split("\n")
      .find((l) => l.includes("ana "));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a colour starts with ESC
    expect(ana).toMatch(/\u001b\[[0-9;]*32[;m]/);
    // A daemon stopped while it watches is shown as down, and not started again by it.
    expect(runSource(["daemon", "stop"], sb.env).code).toBe(0);
    await until(() => screen(server).includes("daemon: not running"), "the daemon shown down");
    expect(row(screen(server), "ana")).toBeDefined();
    expect(runSource(["daemon", "status"], sb.env).code).toBe(3);
    tmux(server, "send-keys", "-t", "0", "C-c");
    expect(await ending(server, "Ctrl-C")).toBe("exit 0");
  }, 60_000);
});

describe("iapeer monitor through a pipe", () => {
  test("one frame, plain, then exit 0", () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    expect(runSource(["create", "ana", "--runtime", "echo"], sb.env).code).toBe(0);
    const r = runSource(["monitor"], sb.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("iapeer monitor  1 peer: 1 asleep  queue 0  ");
    expect(row(r.stdout, "ana")?.slice(0, 3)).toEqual(["ana", "echo", "asleep"]);
    expect(r.stdout).not.toContain("\u001b");
  });

  test("a bad --interval is exit 2", () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    const r = runSource(["monitor", "--interval", "0"], sb.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("iapeer: --interval takes seconds from 0.2 to 60\n");
  });
});
