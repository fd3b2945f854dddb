import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { registryLock } from "../../src/lifecycle/control";
import { withPeerLock } from "../../src/lifecycle/peer-lock";
import { getPeer } from "../../src/registry/registry";
import { runSource } from "../helpers/cli";
import { startDaemon } from "../helpers/daemon";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { tempDir } from "../helpers/temp";
import { until } from "../helpers/until";

/** A home whose always-on units go to a folder of its own, never loaded. */
function home(): {
  sb: Sandbox;
  units: string;
  cli: (args: string[], env?: Record<string, string>) => ReturnType<typeof runSource>;
} {
  const units = join(tempDir(), "units");
  const sb = sandbox({
    IAPEER_PORT: "0",
    IAPEER_SERVICE_MANAGER: "none",
    IAPEER_SYSTEMD_DIR: units,
    VISUAL: "",
    EDITOR: "",
  });
  return { sb, units, cli: (args, env = {}) => runSource(args, { ...sb.env, ...env }) };
}

const profileOf = (sb: Sandbox, name: string) =>
  join(sb.layout.peersDir, name, ".iapeer", "peer.json");

describe("iapeer set", () => {
  test("changes the profile and the registry's copy together; --json says what changed", () => {
    const { sb, cli } = home();
    expect(cli(["create", "sh", "--runtime", "command", "--command", "bash"]).code).toBe(0);
    const r = cli([
      "set",
      "sh",
      "command=sh",
      "prompt=$ ",
      "format=text",
      "description=a shell",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, peer: "sh" });
    expect(out.changed).toEqual([
      "description",
      "settings.command.command",
      "settings.command.format",
      "settings.command.prompt",
    ]);
    const onDisk = JSON.parse(readFileSync(profileOf(sb, "sh"), "utf8"));
    expect(onDisk.settings.command).toEqual({ command: "sh", prompt: "$ ", format: "text" });
    expect(onDisk.description).toBe("a shell");
    expect(getPeer(sb.host().store, "sh")?.profile).toEqual(onDisk);
    // The registry follows: verify finds nothing out of date.
    expect(JSON.parse(cli(["verify", "--json"]).stdout).ok).toBe(true);
    // The same again changes nothing, and says so.
    const again = cli(["set", "sh", "command=sh"]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("nothing changed");
    // An empty value unsets a runtime setting.
    expect(cli(["set", "sh", "prompt="]).code).toBe(0);
    expect(
      JSON.parse(readFileSync(profileOf(sb, "sh"), "utf8")).settings.command.prompt,
    ).toBeUndefined();
  });

  test("a bad key or value is exit 2 with the reason, and the profile is left byte for byte", () => {
    const { sb, cli } = home();
    expect(cli(["create", "sh", "--runtime", "command", "--command", "bash"]).code).toBe(0);
    const before = readFileSync(profileOf(sb, "sh"), "utf8");
    const cases: [string[], string][] = [
      [["colour=red"], 'unknown key "colour"; valid keys: description, always-on'],
      [["command"], 'expected key=value, got "command"'],
      [["ready=("], "ready: invalid ready pattern"],
      [["format=xml"], "format must be envelope or text"],
      [["command="], 'the command runtime needs a "command" to run'],
      [["permission-mode=plan"], "permission-mode is only for the claude runtime"],
      [["always-on=maybe"], "always-on must be true or false"],
      [["default-runtime=echo"], "is not one of the peer's runtimes"],
      [["description=ok", "command=x", "wake=sometimes"], "wake must be one of"],
    ];
    for (const [pairs, why] of cases) {
      const r = cli(["set", "sh", ...pairs, "--json"]);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 2 });
      expect(r.stderr).toContain(why);
      expect(readFileSync(profileOf(sb, "sh"), "utf8")).toBe(before);
    }
    const unknown = cli(["set", "nobody", "description=x", "--json"]);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ ok: false, code: 1 });
  });

  test("always-on=true installs the peer's service, false uninstalls it, as create and remove do", () => {
    const { units, cli } = home();
    expect(cli(["create", "bot", "--runtime", "echo"]).code).toBe(0);
    const unit = join(units, "iapeer-echo-bot.service");
    expect(existsSync(unit)).toBe(false);
    const on = cli(["set", "bot", "always-on=true", "--json"]);
    expect(on.code).toBe(0);
    expect(JSON.parse(on.stdout).service).toMatchObject({ installed: true, path: unit });
    expect(readFileSync(unit, "utf8")).toContain("run-always-on echo-bot");
    expect(cli(["set", "bot", "wake=on-demand"]).code).toBe(0);
    expect(existsSync(unit)).toBe(false);
  });

  test("the running daemon uses a changed command at the peer's next wake, without a restart", async () => {
    const { sb, cli } = home();
    // The output is worked out by the shell, so the typed command line itself never matches.
    const command = (mark: string) => `sh -c 'echo ${mark}-$((6*7)); exec cat'`;
    expect(
      cli([
        "create",
        "cmd",
        "--runtime",
        "command",
        "--command",
        command("FIRST"),
        "--format",
        "text",
      ]).code,
    ).toBe(0);
    const daemon = await startDaemon(sb);
    const tmux = sb.tmux(sb.identity("command", "cmd"));
    const printed = async () => (await tmux.capturePane("command-cmd")).stdout;
    const wake = await daemon.api<{ ok: boolean }>("POST", "/v1/peers/cmd/wake");
    expect(wake.body).toMatchObject({ ok: true });
    await until(async () => (await printed()).includes("FIRST-42"), "the first command's output");
    expect(cli(["set", "cmd", `command=${command("SECOND")}`]).code).toBe(0);
    expect(cli(["stop", "cmd"]).code).toBe(0);
    expect(cli(["start", "cmd"]).code).toBe(0);
    await until(
      async () => (await printed()).includes("SECOND-42"),
      "the changed command's output",
    );
    // Still the daemon that was started before the change, and it made the new session.
    expect(daemon.proc.exitCode).toBeNull();
    expect(JSON.parse(readFileSync(sb.layout.daemonInfo, "utf8")).pid).toBe(daemon.proc.pid);
    expect((await daemon.api("GET", "/v1/peers")).status).toBe(200);
  });
});

describe("iapeer set, concurrently", () => {
  test("waits for the registry lock a removal holds, then changes the profile", async () => {
    const { sb, cli } = home();
    expect(cli(["create", "sh", "--runtime", "command", "--command", "bash"]).code).toBe(0);
    const host = sb.host();
    const main = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
    let proc: ReturnType<typeof Bun.spawn> | undefined;
    const held = await withPeerLock(host, registryLock("sh"), 10_000, async () => {
      proc = Bun.spawn([process.execPath, main, "set", "sh", "command=dash"], {
        env: { ...process.env, ...sb.env },
        stdout: "ignore",
        stderr: "ignore",
      });
      // While the lock is held the change must not land, however long it is held.
      const deadline = Date.now() + 2000;
      while (Date.now() < deadline) {
        expect(proc.exitCode).toBeNull();
        expect(getPeer(host.store, "sh")?.profile.settings.command?.command).toBe("bash");
        await Bun.sleep(50);
      }
    });
    expect(held.ok).toBe(true);
    expect(await proc?.exited).toBe(0);
    expect(getPeer(host.store, "sh")?.profile.settings.command?.command).toBe("dash");
  });
});

describe("iapeer edit", () => {
  /** An "editor" that runs a sed script on the file it is given. */
  function sedEditor(script: string): string {
    const file = join(tempDir(), "editor.sh");
    writeFileSync(file, `#!/bin/sh\nsed -i '${script}' "$1"\n`);
    chmodSync(file, 0o755);
    return file;
  }

  test("a valid edit is saved to the profile and the registry", () => {
    const { sb, cli } = home();
    expect(cli(["create", "sh", "--runtime", "command", "--command", "bash"]).code).toBe(0);
    const r = cli(["edit", "sh", "--json"], { EDITOR: sedEditor('s/"bash"/"dash"/') });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).changed).toEqual(["settings.command.command"]);
    expect(JSON.parse(readFileSync(profileOf(sb, "sh"), "utf8")).settings.command.command).toBe(
      "dash",
    );
    expect(getPeer(sb.host().store, "sh")?.profile.settings.command?.command).toBe("dash");
  });

  test("an invalid edit is refused with the reason, and the profile is left exactly as it was", () => {
    const { sb, cli } = home();
    expect(cli(["create", "sh", "--runtime", "command", "--command", "bash"]).code).toBe(0);
    const before = readFileSync(profileOf(sb, "sh"), "utf8");
    for (const [script, why] of [
      ['s/"on-demand"/"sometimes"/', "wake must be one of"],
      ["s/{/[/", "not valid JSON"],
      ['s/"personality": "sh"/"personality": "zsh"/', "a peer's name cannot be changed"],
    ] as const) {
      const r = cli(["edit", "sh"], { EDITOR: sedEditor(script) });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(why);
      expect(r.stderr).toContain("left as it was");
      expect(readFileSync(profileOf(sb, "sh"), "utf8")).toBe(before);
    }
    // An editor that fails changes nothing either; no editor at all is bad input.
    expect(cli(["edit", "sh"], { EDITOR: "false" }).code).toBe(1);
    expect(cli(["edit", "sh"]).code).toBe(2);
    expect(cli(["edit", "nobody"], { EDITOR: "true" }).code).toBe(1);
    expect(readFileSync(profileOf(sb, "sh"), "utf8")).toBe(before);
  });
});
