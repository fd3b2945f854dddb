import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { processState } from "../../src/launch/pid";
import { runSource } from "../helpers/cli";
import { startDaemon } from "../helpers/daemon";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { tempDir } from "../helpers/temp";
import { until } from "../helpers/until";

function home(): {
  sb: Sandbox;
  dir: string;
  write: (text: string, name?: string) => string;
  cli: (args: string[]) => ReturnType<typeof runSource>;
} {
  const dir = tempDir();
  const sb = sandbox({
    IAPEER_PORT: "0",
    IAPEER_SERVICE_MANAGER: "none",
    IAPEER_SYSTEMD_DIR: join(dir, "units"),
  });
  return {
    sb,
    dir,
    write(text, name = "iapeer.toml") {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    cli: (args) => runSource(args, sb.env),
  };
}

/** The output is worked out by the shell, so the typed command line itself never matches. */
const shout = (mark: string) => `sh -c 'echo ${mark}-$((6*7)); exec cat'`;

const team = (mark: string) => `# two peers
[peers.ping]
runtime = "echo"
description = "answers"
reply = true

[peers.cmd]
runtime = "command"
command = "${shout(mark)}"
format = "text"
path = "work/cmd"
`;

interface Row {
  personality: string;
  state: string;
  pid?: number;
  cwd: string;
}
const listed = (cli: (args: string[]) => ReturnType<typeof runSource>): Record<string, Row> =>
  Object.fromEntries(
    (JSON.parse(cli(["list", "--json"]).stdout) as Row[]).map((r) => [r.personality, r]),
  );

describe("iapeer up", () => {
  test("creates and starts a team; a second up changes nothing; a changed entry is updated and restarted", async () => {
    const { sb, dir, write, cli } = home();
    const file = write(team("FIRST"));
    const daemon = await startDaemon(sb);
    const first = cli(["up", file, "--json"]);
    expect(first.code).toBe(0);
    const plan = JSON.parse(first.stdout);
    expect(plan).toMatchObject({ ok: true, file, changed: true });
    expect(
      plan.peers.map((p: { peer: string; action: string; started: string }) => [
        p.peer,
        p.action,
        p.started,
      ]),
    ).toEqual([
      ["ping", "created", "woke"],
      ["cmd", "created", "woke"],
    ]);
    const made = listed(cli);
    expect(made.ping?.state).toBe("live");
    expect(made.cmd).toMatchObject({ state: "live", cwd: join(dir, "work", "cmd") });
    const pane = async () =>
      (await sb.tmux(sb.identity("command", "cmd")).capturePane("command-cmd")).stdout;
    await until(async () => (await pane()).includes("FIRST-42"), "the command's output");

    // Again: nothing changes, nothing restarts, and it says so.
    const again = cli(["up", file]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("nothing changed");
    const second = JSON.parse(cli(["up", file, "--json"]).stdout);
    expect(second.changed).toBe(false);
    expect(second.peers.map((p: { action: string }) => p.action)).toEqual([
      "unchanged",
      "unchanged",
    ]);
    expect(listed(cli).cmd?.pid).toBe(made.cmd?.pid as number);

    // One entry changed: it alone is updated and started afresh with the new command.
    write(team("SECOND"));
    const third = JSON.parse(cli(["up", file, "--json"]).stdout);
    expect(third.peers).toMatchObject([
      { peer: "ping", action: "unchanged", started: "live" },
      { peer: "cmd", action: "updated", changed: ["settings.command.command"], started: "woke" },
    ]);
    await until(async () => (await pane()).includes("SECOND-42"), "the changed command's output");
    const after = listed(cli);
    expect(after.ping?.pid).toBe(made.ping?.pid as number);
    expect(after.cmd?.pid).not.toBe(made.cmd?.pid as number);
    expect(daemon.proc.exitCode).toBeNull();

    // down stops the file's peers.
    const down = cli(["down", file, "--json"]);
    expect(down.code).toBe(0);
    expect(JSON.parse(down.stdout).peers).toMatchObject([
      { peer: "ping", stopped: ["echo-ping"] },
      { peer: "cmd", stopped: ["command-cmd"] },
    ]);
    expect(Object.values(listed(cli)).map((r) => r.state)).toEqual(["stopped", "stopped"]);
  });

  test("switching a peer's runtime stops the old runtime's session: nothing runs unseen", async () => {
    const { sb, write, cli } = home();
    const file = write('[peers.ana]\nruntime = "echo"\n');
    expect(cli(["up", file]).code).toBe(0);
    const old = listed(cli).ana;
    expect(old?.state).toBe("live");
    write(`[peers.ana]\nruntime = "command"\ncommand = "${shout("new")}"\nformat = "text"\n`);
    const up = cli(["up", file]);
    expect(up.code).toBe(0);
    expect(JSON.parse(cli(["list", "--json"]).stdout)).toEqual([
      expect.objectContaining({ personality: "ana", runtime: "command", state: "live" }),
    ]);
    // The echo session is gone, its tmux server and socket with it.
    expect(existsSync(join(sb.layout.tmuxSockDir, "echo-ana.sock"))).toBe(false);
    await until(
      () => ["Z", undefined].includes(processState(old?.pid as number)) || undefined,
      "the old echo session to end",
    );
  });

  test("a bad file is exit 2 naming the file, the line and the key, and nothing is changed", () => {
    const { sb, write, cli } = home();
    const good = '[peers.ok]\nruntime = "echo"\n\n';
    const cases: [string, string][] = [
      [`${good}[peers.b]\nruntime = "echo"\nx = \n`, ":6: Missing value"],
      [`${good}[peers.b]\nruntime = "echo"\ncolour = "red"\n`, ":6: peers.b.colour: unknown key"],
      [
        `${good}[peers.b]\nruntime = "command"\ncommand = "bash"\n\nformat = "xml"\n`,
        ":8: peers.b.format must be envelope or text",
      ],
      [
        `${good}[peers.b]\nruntime = "echo"\nprompt = "$ "\n`,
        ":6: peers.b.prompt is only for the command runtime",
      ],
      [`${good}[peers.b]\nruntime = "nope"\n`, ':5: peers.b.runtime: unknown runtime "nope"'],
      [
        `${good}[peers.b]\nruntime = "command"\n`,
        ':4: peers.b: the command runtime needs a "command"',
      ],
      [
        `${good}[peers.b]\nruntime = "echo"\nalways-on = "yes"\n`,
        ":6: peers.b.always-on: must be true or false",
      ],
      [`${good}[peers.Bad]\nruntime = "echo"\n`, ":4: peers.Bad: invalid personality"],
      [
        `${good}[peers.b]\nruntimes = ["echo", "command"]\n\n[peers.b.command]\ncommand = "bash"\nready = "("\n`,
        ":9: peers.b.command.ready: invalid ready pattern",
      ],
      [
        `${good}[peers.b]\nruntime = "echo"\npath = "x"\n[peers.c]\nruntime = "echo"\npath = "x"\n`,
        ":9: peers.c.path: ",
      ],
    ];
    for (const [text, why] of cases) {
      const file = write(text, "bad.toml");
      const r = cli(["up", file, "--json"]);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 2 });
      expect(r.stderr).toContain(`iapeer: ${file}${why}`);
    }
    // The good entry before each bad one was never made.
    expect(listed(cli)).toEqual({});
    expect(existsSync(sb.layout.peersDir) ? readdirSync(sb.layout.peersDir) : []).toEqual([]);
    const missing = cli(["up", "/nonexistent/iapeer.toml"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("/nonexistent/iapeer.toml: no such file");
  });

  test("--prune removes the peers an earlier up of the file made and it no longer lists, and no others", () => {
    const { sb, write, cli } = home();
    expect(cli(["create", "mine", "--runtime", "echo"]).code).toBe(0);
    const file = write('[peers.a]\nruntime = "echo"\n\n[peers.b]\nruntime = "echo"\n');
    expect(cli(["up", file]).code).toBe(0);
    write('[peers.a]\nruntime = "echo"\n');
    // Without --prune, b stays.
    expect(
      JSON.parse(cli(["up", file, "--json"]).stdout).peers.map((p: { peer: string }) => p.peer),
    ).toEqual(["a"]);
    expect(Object.keys(listed(cli)).sort()).toEqual(["a", "b", "mine"]);
    const pruned = JSON.parse(cli(["up", file, "--prune", "--json"]).stdout);
    expect(pruned.peers.map((p: { peer: string; action: string }) => [p.peer, p.action])).toEqual([
      ["a", "unchanged"],
      ["b", "removed"],
    ]);
    // `mine` was made by hand: not the fleet's, never pruned.
    expect(Object.keys(listed(cli)).sort()).toEqual(["a", "mine"]);
    const fleets = JSON.parse(readFileSync(join(sb.layout.stateDir, "fleets.json"), "utf8"));
    expect(fleets[file]).toEqual(["a"]);
  });
});
