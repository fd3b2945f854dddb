import { describe, expect, test } from "bun:test";
import pkg from "../../package.json" with { type: "json" };
import { runSource } from "../helpers/cli";
import { tempDir } from "../helpers/temp";

describe("iapeer CLI", () => {
  test("--version prints the version and where it was built from", () => {
    const r = runSource(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`iapeer ${pkg.version} (source)`);
  });

  test("--help lists the commands without colour when NO_COLOR is set", () => {
    const r = runSource(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("config");
    expect(r.stdout).not.toContain("\u001b[");
  });

  test("a bare iapeer shows usage and exits 2", () => {
    const r = runSource([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("USAGE");
  });

  test("an unknown command is a one-line usage error, exit 2", () => {
    const r = runSource(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('iapeer: unknown command "frobnicate"; see iapeer --help\n');
  });

  test("a near miss of a command is pointed at the real one", () => {
    const r = runSource(["lst"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'iapeer: unknown command "lst" (did you mean list?); see iapeer --help\n',
    );
  });

  test("config --json shows every knob with its source", () => {
    const home = tempDir();
    const r = runSource(["config", "--json"], { IAPEER_HOME: home, IAPEER_PORT: "0" });
    expect(r.code).toBe(0);
    const { knobs } = JSON.parse(r.stdout) as {
      knobs: { name: string; value: unknown; source: string }[];
    };
    const byName = Object.fromEntries(knobs.map((k) => [k.name, k]));
    expect(byName.IAPEER_HOME).toMatchObject({ value: home, source: "env" });
    expect(byName.IAPEER_PORT).toMatchObject({ value: 0, source: "env" });
    expect(byName.IAPEER_TICK_SECS).toMatchObject({ value: 60, source: "default" });
  });

  test("a bad knob is a one-line error naming it, exit 2", () => {
    const r = runSource(["config"], { IAPEER_TICK_SECS: "soon" });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'iapeer: IAPEER_TICK_SECS must be an integer from 1 to 86400 (got "soon")\n',
    );
    expect(r.stdout).toBe("");
  });
});

describe("iapeer exits", () => {
  test("shows each death's cause with SIGTERM-style names, newest last, filtered by peer", async () => {
    const home = tempDir();
    const log = `${home}/logs/iapeer/exits.log`;
    await Bun.write(
      log,
      [
        "ts=2026-11-24T12:00:00Z ev=session-exit identity=echo-ana dead_status=0 dead_signal=",
        "ts=2026-11-24T12:01:00Z ev=session-exit identity=claude-bob dead_status= dead_signal=9",
        "ts=2026-11-24T12:02:00Z ev=session-exit identity=codex-bob dead_status= dead_signal=TERM",
        "",
      ].join("\n"),
    );
    const all = runSource(["exits"], { IAPEER_HOME: home });
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split("\n")).toEqual([
      "2026-11-24T12:00:00Z  echo-ana    exited with status 0",
      "2026-11-24T12:01:00Z  claude-bob  killed by SIGKILL",
      "2026-11-24T12:02:00Z  codex-bob   killed by SIGTERM",
    ]);
    const bob = JSON.parse(runSource(["exits", "bob", "--json"], { IAPEER_HOME: home }).stdout);
    expect(bob).toEqual([
      {
        ts: "2026-11-24T12:01:00Z",
        identity: "claude-bob",
        signal: "SIGKILL",
        class: "signaled",
        personality: "bob",
        runtime: "claude",
        cause: "killed by SIGKILL",
      },
      {
        ts: "2026-11-24T12:02:00Z",
        identity: "codex-bob",
        signal: "SIGTERM",
        class: "signaled",
        personality: "bob",
        runtime: "codex",
        cause: "killed by SIGTERM",
      },
    ]);
  });

  test("a bad peer name is a usage error", () => {
    const r = runSource(["exits", "Not A Name"], { IAPEER_HOME: tempDir() });
    expect(r.code).toBe(2);
  });
});

describe("strict parsing: a word the command does not take is an error, and nothing runs", () => {
  const home = () => ({ IAPEER_HOME: tempDir(), IAPEER_PORT: "0" });

  test.each([
    [
      ["send", "ana", "-m", "hi", "--no-wiat"],
      "unknown option --no-wiat (did you mean --no-wait?); see iapeer send --help",
    ],
    [["list", "--bogus"], "unknown option --bogus; see iapeer list --help"],
    [
      ["list", "extra-arg"],
      'iapeer list takes no arguments (got "extra-arg"); see iapeer list --help',
    ],
    [
      ["exits", "ping", "pong"],
      'unexpected argument "pong": iapeer exits takes <peer>; see iapeer exits --help',
    ],
    [["send", "ana", "-m"], "-m needs a value; see iapeer send --help"],
    [["list", "--json=yes"], "--json takes no value; see iapeer list --help"],
    [["--bogus"], "unknown option --bogus; see iapeer --help"],
  ])("%p → exit 2: %s", (argv, message) => {
    const env = home();
    const r = runSource(argv, env);
    expect(r.stderr).toBe(`iapeer: ${message}\n`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
  });

  test("a typo'd option stores nothing: the send never happened", () => {
    const env = home();
    expect(runSource(["create", "ana", "--runtime", "echo"], env).code).toBe(0);
    expect(runSource(["send", "ana", "-m", "hi", "--no-wiat"], env).code).toBe(2);
    const listed = JSON.parse(runSource(["list", "--json"], env).stdout);
    expect(listed[0].state).toBe("asleep");
  });

  test("-V, help and help <command>", () => {
    expect(runSource(["-V"]).stdout).toBe(runSource(["--version"]).stdout);
    const help = runSource(["help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("USAGE");
    const sendHelp = runSource(["help", "send"]);
    expect(sendHelp.code).toBe(0);
    expect(sendHelp.stdout).toBe(runSource(["send", "--help"]).stdout);
    expect(runSource(["help", "nosuch"]).code).toBe(2);
  });

  test("what the commands do take still works: aliases, --no-, =values, - for stdin", () => {
    const env = home();
    expect(runSource(["create", "ana", "--runtime=echo"], env).code).toBe(0);
    expect(runSource(["send", "ana", "-m", "hi", "--no-wait", "--json"], env).code).toBe(10);
    expect(runSource(["list", "--json"], env).code).toBe(0);
  });
});

describe("stdout carries the answer, stderr the rest", () => {
  const home = () => ({ IAPEER_HOME: tempDir(), IAPEER_PORT: "0" });

  test("progress and what was done go to stderr: stdout stays empty for a script", () => {
    const env = home();
    const created = runSource(["create", "ana", "--runtime", "echo"], env);
    expect(created.stdout).toBe("");
    expect(created.stderr).toContain("created ana");
    const sent = runSource(["send", "ana", "-m", "hi"], env);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toBe("");
    expect(sent.stderr).toContain("ana");
  });

  test.each([
    [["status", "nobody", "--json"], 4],
    [["stop", "nobody", "--json"], 1],
    [["remove", "nobody", "--json"], 1],
    [["list", "--bogus", "--json"], 2],
  ])("%p fails with exactly one JSON object on stdout", (argv, code) => {
    const r = runSource(argv, home());
    expect(r.code).toBe(code);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toEqual({ ok: false, error: expect.any(String), code });
  });
});

test("status <peer> exits like systemctl is-active: 0 running, 3 not running, 4 unknown", () => {
  const env = { IAPEER_HOME: tempDir(), IAPEER_PORT: "0" };
  expect(runSource(["create", "ana", "--runtime", "echo"], env).code).toBe(0);
  expect(runSource(["status", "ana"], env).code).toBe(3);
  expect(runSource(["wake", "ana"], env).code).toBe(0);
  const live = runSource(["status", "ana", "--json"], env);
  expect(live.code).toBe(0);
  expect(JSON.parse(live.stdout).runtimes[0].state).toBe("live");
  expect(runSource(["stop", "ana"], env).code).toBe(0);
  expect(runSource(["status", "ana"], env).code).toBe(3);
  expect(runSource(["status", "nobody"], env).code).toBe(4);
  expect(runSource(["status"], env).code).toBe(0);
});

describe("several peers at once", () => {
  const home = () => ({ IAPEER_HOME: tempDir(), IAPEER_PORT: "0" });
  const two = () => {
    const env = home();
    for (const name of ["ping", "pong"])
      expect(runSource(["create", name, "--runtime", "echo"], env).code).toBe(0);
    return env;
  };
  const states = (env: Record<string, string>) =>
    (JSON.parse(runSource(["list", "--json"], env).stdout) as { state: string }[]).map(
      (r) => r.state,
    );

  test("wake, stop and restart take several names and all; each is reported", () => {
    const env = two();
    expect(runSource(["wake", "ping", "pong"], env).code).toBe(0);
    expect(states(env)).toEqual(["live", "live"]);
    const restarted = runSource(["restart", "all", "--json"], env);
    expect(restarted.code).toBe(0);
    expect(JSON.parse(restarted.stdout)).toEqual([
      expect.objectContaining({ ok: true, peer: "ping", woke: true }),
      expect.objectContaining({ ok: true, peer: "pong", woke: true }),
    ]);
    expect(runSource(["stop", "all"], env).code).toBe(0);
    expect(states(env)).toEqual(["stopped", "stopped"]);
  });

  test("one refusal does not stop the rest; the exit code is the worst", () => {
    const env = two();
    const r = runSource(["wake", "ping", "nobody", "pong", "--json"], env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).map((o: { peer: string; ok: boolean }) => [o.peer, o.ok])).toEqual([
      ["ping", true],
      ["nobody", false],
      ["pong", true],
    ]);
    expect(r.stderr).toContain("iapeer: nobody: no peer named nobody");
    expect(states(env)).toEqual(["live", "live"]);
    expect(runSource(["stop", "ping", "ping"], env).code).toBe(0);
    expect(runSource(["stop", "all", "pong"], env).code).toBe(2);
  });

  test("status of several peers: each in detail, the exit code the worst (4 > 3 > 0)", () => {
    const env = two();
    const asleep = runSource(["status", "ping", "pong", "--json"], env);
    expect(asleep.code).toBe(3);
    expect(JSON.parse(asleep.stdout).map((r: { peer: string }) => r.peer)).toEqual([
      "ping",
      "pong",
    ]);
    expect(runSource(["wake", "ping"], env).code).toBe(0);
    expect(runSource(["status", "ping"], env).code).toBe(0);
    expect(runSource(["status", "ping", "pong"], env).code).toBe(3);
    const unknown = runSource(["status", "ping", "nobody", "--json"], env);
    expect(unknown.code).toBe(4);
    expect(JSON.parse(unknown.stdout)[1]).toMatchObject({ ok: false, peer: "nobody", code: 4 });
    expect(runSource(["wake", "pong"], env).code).toBe(0);
    const all = runSource(["status", "all"], env);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain("ping —");
    expect(all.stdout).toContain("pong —");
  });

  test("remove all asks for --yes and removes nothing without it", () => {
    const env = two();
    const refused = runSource(["remove", "all"], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("add --yes");
    expect(states(env)).toHaveLength(2);
    expect(runSource(["remove", "all", "--yes"], env).code).toBe(0);
    expect(states(env)).toEqual([]);
  });
});
