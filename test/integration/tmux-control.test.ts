import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Tmux } from "../../src/tmux/client";
import { openControlConnections, useControlConnections } from "../../src/tmux/control";
import { tempDir } from "../helpers/temp";
import { until } from "../helpers/until";

/**
 * The daemon's control connections (`tmux -C`) against a real tmux server: every answer is the
 * one a spawned tmux gives, any bytes load exactly, a pane cannot forge the end of an answer,
 * and a server that dies or hangs sends the caller back to spawning, never to a wrong answer.
 */

const servers: Tmux[] = [];
afterEach(() => {
  useControlConnections(false);
  for (const t of servers.splice(0)) t.run(["kill-server"]);
});
afterAll(() => useControlConnections(false));

/** A server of its own running `program` in session `s`, and a Tmux over its socket. */
function server(program: string): Tmux {
  const tmux = new Tmux(join(tempDir("iapeer-ctl-"), "s.sock"));
  servers.push(tmux);
  const made = tmux.run([
    "-f",
    "/dev/null",
    "new-session",
    "-d",
    "-s",
    "s",
    "-x",
    "100",
    "-y",
    "20",
    program,
  ]);
  if (!made.ok) throw new Error(made.stderr);
  return tmux;
}

const clients = (tmux: Tmux): string[] =>
  tmux.run(["list-clients", "-F", "#{client_control_mode}"]).stdout.split("\n").filter(Boolean);

describe("a control connection to a tmux server", () => {
  test("answers every command as a spawned tmux does, over one client", async () => {
    const tmux = server("printf 'one\\ntwo\\n'; exec cat");
    await until(async () => (await tmux.capturePane("s")).stdout.includes("two"), "the output");
    const spawned = {
      screen: (await tmux.capturePane("s")).stdout,
      shape: (await tmux.display("s", "#{pane_width}x#{pane_height} #{pane_dead}")).stdout,
    };
    useControlConnections(true);
    for (let i = 0; i < 20; i++) {
      expect((await tmux.capturePane("s")).stdout).toBe(spawned.screen);
      expect((await tmux.display("s", "#{pane_width}x#{pane_height} #{pane_dead}")).stdout).toBe(
        spawned.shape,
      );
    }
    expect(await tmux.hasSession("s")).toBe(true);
    expect(await tmux.hasSession("nope")).toBe(false);
    const refused = await tmux.capturePane("nope");
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toContain("can't find session");
    // One attached client did all of it, and it never changed the window's size.
    expect(clients(tmux)).toEqual(["1"]);
    expect((await tmux.display("s", "#{window_width}x#{window_height}")).stdout.trim()).toBe(
      "100x20",
    );
  });

  test("loads a buffer of any bytes exactly, and a list of commands runs in order", async () => {
    const tmux = server("exec cat");
    useControlConnections(true);
    const text = `-starts with a dash $HOME ~ #{pane_id} ; \\; 'single' "double" \\ back\ttab\u0001ctl\nline two é ✓ 🙂\n`;
    expect((await tmux.loadBuffer("b", text)).ok).toBe(true);
    expect(openControlConnections()).toBe(1);
    // Read back by a spawned client: nothing was reinterpreted on the way.
    expect(tmux.run(["show-buffer", "-b", "b"]).stdout).toBe(text);
    const listed = await tmux.call([
      "display-message",
      "-p",
      "-t",
      "=s:",
      "first",
      ";",
      "display-message",
      "-p",
      "-t",
      "=s:",
      "second",
    ]);
    expect(listed).toMatchObject({ ok: true, stdout: "first\nsecond\n" });
  });

  test("a pane that prints the protocol's own lines cannot end an answer early", async () => {
    const tmux = server(
      "printf '%%end 1 2 1\\n%%begin 3 4 1\\n%%error 5 6 1\\n%%exit\\nafter\\n'; exec cat",
    );
    await until(async () => (await tmux.capturePane("s")).stdout.includes("after"), "the output");
    const spawned = (await tmux.capturePane("s")).stdout;
    useControlConnections(true);
    expect((await tmux.capturePane("s")).stdout).toBe(spawned);
    expect((await tmux.display("s", "still in step")).stdout).toBe("still in step\n");
  });

  test("a server killed under it: reads are asked again by spawn, and say it is gone", async () => {
    const tmux = server("exec cat");
    useControlConnections(true);
    expect(await tmux.hasSession("s")).toBe(true);
    expect(openControlConnections()).toBe(1);
    new Tmux(tmux.socket).run(["kill-server"]);
    expect(await tmux.hasSession("s")).toBe(false);
    const read = await tmux.capturePane("s");
    expect(read.ok).toBe(false);
    await until(() => openControlConnections() === 0, "the connection to close");
  });

  test("a server that stops answering times the command out; the next call reconnects", async () => {
    const tmux = server("exec cat");
    useControlConnections(true);
    expect(await tmux.hasSession("s")).toBe(true);
    const pid = Number(tmux.run(["display-message", "-p", "#{pid}"]).stdout.trim());
    process.kill(pid, "SIGSTOP");
    try {
      const stuck = await tmux.call(["send-keys", "-t", "=s:", "x"], { timeoutMs: 300 });
      expect(stuck).toMatchObject({ ok: false, timedOut: true });
      // Its answer could come late and be taken for the next command's: the connection went.
      expect(openControlConnections()).toBe(0);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    expect((await tmux.display("s", "back")).stdout).toBe("back\n");
    expect(openControlConnections()).toBe(1);
  });

  test("with no server at the socket none is started: the call is spawned and refused", async () => {
    const tmux = new Tmux(join(tempDir("iapeer-ctl-"), "none.sock"));
    useControlConnections(true);
    expect(await tmux.hasSession("s")).toBe(false);
    expect(openControlConnections()).toBe(0);
  });
});
