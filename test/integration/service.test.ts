import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/core/config";
import { layoutOf } from "../../src/core/paths";
import { renderPlist } from "../../src/service/launchd";
import { installService, serviceStatus, uninstallService } from "../../src/service/manager";
import type { CommandResult } from "../../src/service/runner";
import { daemonSpec, peerSpec, type ServiceSpec, servicePath } from "../../src/service/spec";
import { renderUnit } from "../../src/service/systemd";
import { tempDir } from "../helpers/temp";

const ODD = `a & b < c > "d" 'e' $HOME %i \\back ünï 🚀`;

function config(env: Record<string, string>, platform = "darwin") {
  const home = tempDir();
  const c = loadConfig({
    env: {
      HOME: home,
      IAPEER_HOME: join(home, ".iapeer"),
      PATH: "/usr/bin:/bin:/usr/bin",
      LANG: "en_US.UTF-8",
      ...env,
    },
    platform,
    uid: 501,
  });
  if (!c.ok) throw new Error(c.error);
  return c.value;
}

function specs(c: ReturnType<typeof config>): { daemon: ServiceSpec; peer: ServiceSpec } {
  const layout = layoutOf(c);
  const iapeer = [process.execPath, join(import.meta.dir, "..", "..", "src", "cli", "main.ts")];
  return {
    daemon: daemonSpec(c, layout, iapeer),
    peer: {
      ...peerSpec(c, layout, iapeer, {
        identity: "echo-bot",
        personality: "bot",
        runtime: "echo",
        cwd: join(c.home, "peers", "bot"),
      }),
      env: {
        ...peerSpec(c, layout, iapeer, {
          identity: "echo-bot",
          personality: "bot",
          runtime: "echo",
          cwd: c.home,
        }).env,
        ODD,
      },
    },
  };
}

/** A real plist parser: Python's plistlib. */
function parsePlist(text: string): Record<string, unknown> {
  const res = Bun.spawnSync(
    [
      "python3",
      "-c",
      "import plistlib,json,sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))",
    ],
    {
      stdin: Buffer.from(text),
    },
  );
  if (res.exitCode !== 0) throw new Error(res.stderr.toString());
  return JSON.parse(res.stdout.toString());
}

/** Records every argv; answers with the first matching scripted reply. */
function runner(replies: [RegExp, CommandResult][] = []) {
  const calls: string[][] = [];
  const run = (argv: string[]): CommandResult => {
    calls.push(argv);
    const line = argv.join(" ");
    const i = replies.findIndex(([re]) => re.test(line));
    if (i < 0) return { code: 0, stdout: "", stderr: "" };
    const [, reply] = replies[i] as [RegExp, CommandResult];
    replies.splice(i, 1);
    return reply;
  };
  return { calls, run };
}

describe("launchd plists", () => {
  test("every key, as a real plist parser reads it", () => {
    const c = config({ IAPEER_PORT: "9000" });
    const { daemon, peer } = specs(c);
    const d = parsePlist(renderPlist(daemon));
    expect(d).toEqual({
      Label: "com.iapeer.daemon",
      ProgramArguments: [...daemon.argv],
      WorkingDirectory: c.home,
      EnvironmentVariables: {
        HOME: c.userHome,
        IAPEER_HOME: c.home,
        IAPEER_PORT: "9000",
        LANG: "en_US.UTF-8",
        PATH: "/usr/bin:/bin:/opt/homebrew/bin:/usr/local/bin:/usr/sbin:/sbin",
      },
      RunAtLoad: true,
      KeepAlive: true,
      ThrottleInterval: 10,
      ProcessType: "Background",
      StandardOutPath: join(c.home, "logs", "iapeer", "daemon.out.log"),
      StandardErrorPath: join(c.home, "logs", "iapeer", "daemon.err.log"),
      IapeerManagedBy: "iapeer",
    });
    const p = parsePlist(renderPlist(peer));
    expect(p.Label).toBe("com.iapeer.echo-bot");
    expect((p.ProgramArguments as string[]).slice(-2)).toEqual(["run-always-on", "echo-bot"]);
    expect(p.EnvironmentVariables).toMatchObject({
      ODD,
      PEER_IDENTITY: "echo-bot",
      PEER_PERSONALITY: "bot",
      PEER_RUNTIME: "echo",
    });
  });

  test("the throttle interval follows IAPEER_THROTTLE_SECS", () => {
    const c = config({ IAPEER_THROTTLE_SECS: "30" });
    expect(parsePlist(renderPlist(specs(c).daemon)).ThrottleInterval).toBe(30);
  });

  test("install: bootstrap into the GUI domain, retrying the transient EIO; write only when changed", () => {
    const c = config({
      IAPEER_SERVICE_MANAGER: "launchd",
      IAPEER_LAUNCHAGENTS_DIR: join(tempDir(), "LaunchAgents"),
    });
    const { daemon } = specs(c);
    const eio = { code: 5, stdout: "", stderr: "Bootstrap failed: 5: Input/output error" };
    const r = runner([
      [/bootstrap/, eio],
      [/bootstrap/, eio],
    ]);
    const first = installService(c, daemon, r.run, () => {});
    expect(first.ok && first.value.changed).toBe(true);
    const path = join(c.launchAgentsDir, "com.iapeer.daemon.plist");
    expect(r.calls).toEqual([
      ["launchctl", "bootout", "gui/501/com.iapeer.daemon"],
      ["launchctl", "bootstrap", "gui/501", path],
      ["launchctl", "bootstrap", "gui/501", path],
      ["launchctl", "bootstrap", "gui/501", path],
    ]);
    const mtime = statSync(path).mtimeMs;
    const again = runner();
    const second = installService(c, daemon, again.run, () => {});
    expect(second.ok && second.value.changed).toBe(false);
    expect(again.calls).toEqual([["launchctl", "print", "gui/501/com.iapeer.daemon"]]);
    expect(statSync(path).mtimeMs).toBe(mtime);
  });

  test("a bootstrap that fails for good removes the plist it wrote", () => {
    const c = config({
      IAPEER_SERVICE_MANAGER: "launchd",
      IAPEER_LAUNCHAGENTS_DIR: join(tempDir(), "LaunchAgents"),
    });
    const { daemon } = specs(c);
    const refused = { code: 5, stdout: "", stderr: "Bootstrap failed: 5: Input/output error" };
    const r = runner(
      Array.from({ length: 5 }, () => [/bootstrap/, refused] as [RegExp, CommandResult]),
    );
    const installed = installService(c, daemon, r.run, () => {});
    expect(installed.ok).toBe(false);
    expect(serviceStatus(c, daemon, runner().run).installed).toBe(false);
  });

  test("a plist iapeer did not write is never overwritten or removed", () => {
    const c = config({
      IAPEER_SERVICE_MANAGER: "launchd",
      IAPEER_LAUNCHAGENTS_DIR: join(tempDir(), "LaunchAgents"),
    });
    const { daemon } = specs(c);
    mkdirSync(c.launchAgentsDir, { recursive: true });
    const path = join(c.launchAgentsDir, "com.iapeer.daemon.plist");
    writeFileSync(path, "<plist>someone else's</plist>");
    const r = runner();
    const installed = installService(c, daemon, r.run);
    expect(installed.ok).toBe(false);
    if (!installed.ok) expect(installed.error).toContain("was not written by iapeer");
    expect(uninstallService(c, daemon, r.run).ok).toBe(false);
    expect(readFileSync(path, "utf8")).toBe("<plist>someone else's</plist>");
    expect(r.calls).toEqual([]);
  });

  test("status reads launchctl print", () => {
    const c = config({
      IAPEER_SERVICE_MANAGER: "launchd",
      IAPEER_LAUNCHAGENTS_DIR: join(tempDir(), "LA"),
    });
    const out =
      "gui/501/com.iapeer.daemon = {\n\tstate = running\n\truns = 3\n\tpid = 4242\n\tlast exit code = 1\n}";
    const s = serviceStatus(
      c,
      specs(c).daemon,
      runner([[/print/, { code: 0, stdout: out, stderr: "" }]]).run,
    );
    expect(s).toMatchObject({
      installed: false,
      loaded: true,
      active: true,
      pid: 4242,
      lastExitStatus: 1,
      restarts: 2,
    });
  });
});

describe("systemd user units", () => {
  function verify(text: string, name: string) {
    const dir = tempDir();
    const file = join(dir, name);
    writeFileSync(file, text);
    const runtime = join(dir, "xdg");
    mkdirSync(runtime, { mode: 0o700 });
    return Bun.spawnSync(["systemd-analyze", "verify", "--user", file], {
      env: { ...process.env, XDG_RUNTIME_DIR: runtime },
    });
  }

  test("units pass systemd-analyze verify with no warnings", () => {
    const c = config({}, "linux");
    const { daemon, peer } = specs(c);
    for (const [spec, name] of [
      [daemon, "iapeer-daemon.service"],
      [peer, "iapeer-echo-bot.service"],
    ] as const) {
      const res = verify(renderUnit(spec), name);
      expect({ code: res.exitCode, stderr: res.stderr.toString() }).toEqual({
        code: 0,
        stderr: "",
      });
    }
  });

  test("every directive; start-rate keys in [Unit]; KillMode=process for the daemon only", () => {
    const c = config({}, "linux");
    const { daemon, peer } = specs(c);
    const text = renderUnit(daemon);
    const sections = Object.fromEntries(
      text
        .split(/^\[/m)
        .filter(Boolean)
        .map((block) => {
          const [head, ...lines] = block.trim().split("\n");
          return [head?.replace("]", ""), lines.filter((l) => l && !l.startsWith("#"))];
        }),
    ) as Record<string, string[]>;
    expect(sections.Unit).toEqual([
      "Description=iapeer router daemon",
      "StartLimitIntervalSec=300",
      "StartLimitBurst=10",
      "X-Iapeer-Managed-By=iapeer",
    ]);
    expect(sections.Service).toContain("Restart=always");
    expect(sections.Service).toContain("RestartSec=10");
    expect(sections.Service).toContain("KillMode=process");
    expect(sections.Service).toContain(`ExecStart=${daemon.argv.join(" ")}`);
    expect(sections.Service).toContain(`Environment="IAPEER_HOME=${c.home}"`);
    expect(sections.Service?.some((l) => l.startsWith('Environment="PATH='))).toBe(true);
    expect(sections.Install).toEqual(["WantedBy=default.target"]);
    expect(renderUnit(peer)).not.toContain("KillMode");
    expect(renderUnit(peer)).toContain(
      `Environment="ODD=a & b < c > \\"d\\" 'e' $HOME %%i \\\\back ünï 🚀"`,
    );
  });

  test("install: daemon-reload, enable --now, restart when changed; lingering off is pointed out", () => {
    const c = config(
      { IAPEER_SERVICE_MANAGER: "systemd", IAPEER_SYSTEMD_DIR: join(tempDir(), "units") },
      "linux",
    );
    const { daemon } = specs(c);
    const r = runner([[/loginctl/, { code: 0, stdout: "no\n", stderr: "" }]]);
    const installed = installService(c, daemon, r.run);
    if (!installed.ok) throw new Error(installed.error);
    expect(r.calls).toEqual([
      ["systemctl", "--user", "daemon-reload"],
      ["systemctl", "--user", "enable", "--now", "iapeer-daemon.service"],
      ["systemctl", "--user", "restart", "iapeer-daemon.service"],
      ["loginctl", "show-user", "501", "-p", "Linger", "--value"],
    ]);
    expect(installed.value.notes[0]).toContain("loginctl enable-linger");
    expect(existsSync(join(c.systemdDir, "iapeer-daemon.service"))).toBe(true);
    const un = runner();
    expect(uninstallService(c, daemon, un.run).ok).toBe(true);
    expect(un.calls).toEqual([
      ["systemctl", "--user", "disable", "--now", "iapeer-daemon.service"],
      ["systemctl", "--user", "daemon-reload"],
    ]);
    expect(existsSync(join(c.systemdDir, "iapeer-daemon.service"))).toBe(false);
  });

  test("a manager that refuses the unit leaves nothing installed, or the unit as it was", () => {
    const c = config(
      { IAPEER_SERVICE_MANAGER: "systemd", IAPEER_SYSTEMD_DIR: join(tempDir(), "units") },
      "linux",
    );
    const { daemon } = specs(c);
    const unit = join(c.systemdDir, "iapeer-daemon.service");
    const noBus = { code: 1, stdout: "", stderr: "Failed to connect to bus: No medium found" };
    const fresh = installService(c, daemon, runner([[/daemon-reload/, noBus]]).run);
    expect(fresh.ok).toBe(false);
    expect(existsSync(unit)).toBe(false);
    expect(serviceStatus(c, daemon, runner().run).installed).toBe(false);

    // An older unit of ours stays what it was when the new one is refused.
    mkdirSync(c.systemdDir, { recursive: true });
    const older = `${renderUnit(daemon).replace("ThrottleInterval", "X")}# older\n`;
    writeFileSync(unit, older);
    const enableFails = { code: 1, stdout: "", stderr: "Unit is masked." };
    const r = runner([[/enable --now/, enableFails]]);
    expect(installService(c, daemon, r.run).ok).toBe(false);
    expect(readFileSync(unit, "utf8")).toBe(older);
    expect(r.calls.at(-1)).toEqual(["systemctl", "--user", "daemon-reload"]);
  });

  test("status reads systemctl show", () => {
    const c = config({ IAPEER_SERVICE_MANAGER: "systemd" }, "linux");
    const out =
      "LoadState=loaded\nActiveState=active\nMainPID=777\nExecMainStatus=0\nNRestarts=4\n";
    const s = serviceStatus(
      c,
      specs(c).daemon,
      runner([[/show/, { code: 0, stdout: out, stderr: "" }]]).run,
    );
    expect(s).toMatchObject({
      loaded: true,
      active: true,
      pid: 777,
      lastExitStatus: 0,
      restarts: 4,
    });
  });

  test("IAPEER_SERVICE_MANAGER=none writes the file and calls nothing", () => {
    const c = config(
      { IAPEER_SERVICE_MANAGER: "none", IAPEER_SYSTEMD_DIR: join(tempDir(), "u") },
      "linux",
    );
    const r = runner();
    const installed = installService(c, specs(c).daemon, r.run);
    expect(installed.ok && installed.value.commands).toEqual([]);
    expect(r.calls).toEqual([]);
    expect(existsSync(join(c.systemdDir, "iapeer-daemon.service"))).toBe(true);
  });

  test("the service PATH is the installer's, without repeats, plus the usual dirs", () => {
    expect(servicePath("/a:/b:/a:/usr/bin")).toBe(
      "/a:/b:/usr/bin:/opt/homebrew/bin:/usr/local/bin:/bin:/usr/sbin:/sbin",
    );
  });
});
