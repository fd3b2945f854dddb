import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { USER_BUS_FIX } from "../../src/service/user-bus";
import { runSource } from "../helpers/cli";
import { type Sandbox, sandbox } from "../helpers/sandbox";

/**
 * A systemctl that writes down every call and fails a restart (so none is waited on); `body`
 * replaces what it does after writing the call down.
 */
function fakeSystemctl(
  home: string,
  body = 'case "$*" in *restart*) echo "fake restart refused" >&2; exit 1;; esac\nexit 0',
): { bin: string; calls: () => string[] } {
  const bin = join(home, "fakebin");
  const log = join(home, "systemctl.calls");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "systemctl"), `#!/bin/sh\necho "$*" >> '${log}'\n${body}\n`);
  chmodSync(join(bin, "systemctl"), 0o755);
  return {
    bin,
    calls: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []),
  };
}

test("IAPEER_SERVICE_MANAGER=none on restart calls no systemctl, though the daemon was started with systemd", () => {
  const sb = sandbox({ IAPEER_PORT: "0" });
  const home = sb.env.HOME as string;
  const systemctl = fakeSystemctl(home);
  const systemd = {
    ...sb.env,
    PATH: `${systemctl.bin}:${sb.env.PATH}`,
    IAPEER_SERVICE_MANAGER: "systemd",
    IAPEER_SYSTEMD_DIR: join(home, "units"),
  };
  expect(runSource(["create", "ao", "--runtime", "echo", "--always-on"], systemd).code).toBe(0);
  expect(runSource(["daemon", "start"], systemd).code).toBe(0);
  const before = systemctl.calls().length;

  const none = runSource(["restart", "ao"], { ...systemd, IAPEER_SERVICE_MANAGER: "none" });
  expect(none.code).toBe(1);
  expect(none.stderr).toContain("IAPEER_SERVICE_MANAGER=none");
  // No warning that the daemon goes by its own setting: it went by this command's.
  expect(none.stderr).not.toContain("other settings");
  expect(systemctl.calls().slice(before)).toEqual([]);

  // The same restart under systemd does call it: the fake is the one the daemon finds.
  const managed = runSource(["restart", "ao"], systemd);
  expect(managed.code).toBe(1);
  expect(managed.stderr).toContain("fake restart refused");
  expect(systemctl.calls().slice(before)).toEqual(["--user restart iapeer-echo-ao.service"]);
});

/** The environment of a systemd host whose systemctl is `fake`. */
function systemdHost(sb: Sandbox, body?: string) {
  const home = sb.env.HOME as string;
  const systemctl = fakeSystemctl(home, body);
  const env = {
    ...sb.env,
    PATH: `${systemctl.bin}:${sb.env.PATH}`,
    IAPEER_SERVICE_MANAGER: "systemd",
    IAPEER_SYSTEMD_DIR: join(home, "units"),
  };
  return { env, systemctl, unit: join(home, "units", "iapeer-daemon.service") };
}

describe("service status --daemon exits as systemctl does", () => {
  test("4 when not installed, 3 when installed and not running, 0 when running", () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    const state = join(sb.env.HOME as string, "active-state");
    writeFileSync(state, "inactive");
    const host = systemdHost(
      sb,
      `case "$*" in *show*) printf 'LoadState=loaded\\nActiveState=%s\\nMainPID=0\\n' "$(cat '${state}')";; esac\nexit 0`,
    );
    const missing = runSource(["service", "status", "--daemon"], host.env);
    expect(missing.code).toBe(4);
    expect(missing.stdout).toContain("not installed");
    expect(runSource(["service", "install", "--daemon"], host.env).code).toBe(0);
    expect(existsSync(host.unit)).toBe(true);
    const stopped = runSource(["service", "status", "--daemon", "--json"], host.env);
    expect(stopped.code).toBe(3);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ installed: true, active: false });
    writeFileSync(state, "active");
    expect(runSource(["service", "status", "--daemon"], host.env).code).toBe(0);
  });
});

describe("service install --daemon with no user systemd", () => {
  test("one line naming the missing user manager and the fix doctor gives; no unit left", () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    const host = systemdHost(sb, 'echo "Failed to connect to bus: No medium found" >&2\nexit 1');
    const r = runSource(["service", "install", "--daemon"], host.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `iapeer: systemctl --user cannot reach a user manager (Failed to connect to bus: No medium found): ${USER_BUS_FIX}\n`,
    );
    expect(existsSync(host.unit)).toBe(false);
    // doctor says the same, with the same fix.
    const doctor = JSON.parse(runSource(["doctor", "--json"], host.env).stdout);
    const check = JSON.stringify(doctor);
    expect(check).toContain("systemctl --user cannot reach a user manager");
    expect(check).toContain(USER_BUS_FIX);
  });
});
