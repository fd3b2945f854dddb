import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { colorWanted, KNOBS, loadConfig } from "../../src/core/config";
import { MESH_KNOBS } from "../../src/core/mesh-config";
import { fallbackSockDir, socketPathLimit } from "../../src/core/socket-path";

const linux = (env: Record<string, string | undefined>) =>
  loadConfig({ env: { HOME: "/home/ana", ...env }, platform: "linux", uid: 1000 });

function value(env: Record<string, string | undefined>) {
  const r = linux(env);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function error(env: Record<string, string | undefined>, platform = "linux"): string {
  const r = loadConfig({ env: { HOME: "/home/ana", ...env }, platform, uid: 1000 });
  if (r.ok) throw new Error("expected an error");
  return r.error;
}

describe("defaults", () => {
  test("every knob has its documented default", () => {
    const c = value({});
    expect(c.home).toBe("/home/ana/.iapeer");
    expect(c.sockDir).toBe("/home/ana/.iapeer/run");
    expect(c.serviceManager).toBe("systemd");
    expect(c.launchAgentsDir).toBe("/home/ana/Library/LaunchAgents");
    expect(c.systemdDir).toBe("/home/ana/.config/systemd/user");
    expect(c.port).toBe(8765);
    expect(c.idleSecs).toBe(3600);
    expect(c.tickSecs).toBe(60);
    expect(c.logMaxBytes).toBe(5 * 1024 * 1024);
    expect(c.logFiles).toBe(5);
    expect(c.crashLimit).toBe(3);
    expect(c.crashWindowSecs).toBe(300);
    expect(c.backoffSecs).toBe(60);
    expect(c.backoffMaxSecs).toBe(3600);
    expect(c.fromEnv).toEqual([]);
  });

  test("the service manager follows the OS", () => {
    const mac = loadConfig({ env: { HOME: "/Users/ana" }, platform: "darwin", uid: 501 });
    expect(mac.ok && mac.value.serviceManager).toBe("launchd");
    const bsd = loadConfig({ env: { HOME: "/home/ana" }, platform: "freebsd", uid: 1 });
    expect(bsd.ok && bsd.value.serviceManager).toBe("none");
  });

  test("systemd units follow XDG_CONFIG_HOME", () => {
    expect(value({ XDG_CONFIG_HOME: "/cfg" }).systemdDir).toBe("/cfg/systemd/user");
  });

  test("the config object is frozen", () => {
    const c = value({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.fromEnv)).toBe(true);
  });
});

describe("overrides", () => {
  test("each knob takes its environment value and says so", () => {
    const c = value({
      IAPEER_HOME: "/srv/iapeer/",
      IAPEER_SOCK_DIR: "/run/ip",
      IAPEER_SERVICE_MANAGER: "none",
      IAPEER_LAUNCHAGENTS_DIR: "/la",
      IAPEER_SYSTEMD_DIR: "/sd",
      IAPEER_PORT: "0",
      IAPEER_IDLE_SECS: "0",
      IAPEER_TICK_SECS: "5",
      IAPEER_LOG_MAX_BYTES: "65536",
      IAPEER_LOG_FILES: "2",
      IAPEER_CRASH_LIMIT: "5",
      IAPEER_CRASH_WINDOW_SECS: "60",
      IAPEER_BACKOFF_SECS: "10",
      IAPEER_BACKOFF_MAX_SECS: "100",
      IAPEER_THROTTLE_SECS: "30",
      IAPEER_MESH_TTL_SECS: "600",
      IAPEER_TELEGRAM_TOKEN_FILE: "/run/secrets/tg",
      IAPEER_TELEGRAM_CHATS: "123",
      IAPEER_TELEGRAM_API: "http://127.0.0.1:8081/",
      IAPEER_MAX_HOPS: "4",
      IAPEER_SEND_RATE: "9",
      IAPEER_TURN_RETRIES: "1",
      IAPEER_LIMIT_BACKOFF_SECS: "30",
      IAPEER_SCREEN_STATES: "off",
      IAPEER_ASKING_TO: "phone",
    });
    expect(c.askingTo).toBe("phone");
    expect([c.maxHops, c.sendRate, c.turnRetries, c.limitBackoffSecs, c.screenStates]).toEqual([
      4,
      9,
      1,
      30,
      false,
    ]);
    expect(c.home).toBe("/srv/iapeer");
    expect(c.sockDir).toBe("/run/ip");
    expect(c.serviceManager).toBe("none");
    expect(c.launchAgentsDir).toBe("/la");
    expect(c.systemdDir).toBe("/sd");
    expect(c.port).toBe(0);
    expect(c.idleSecs).toBe(0);
    expect(c.tickSecs).toBe(5);
    expect(c.logMaxBytes).toBe(65536);
    expect(c.logFiles).toBe(2);
    expect([c.crashLimit, c.crashWindowSecs, c.backoffSecs, c.backoffMaxSecs]).toEqual([
      5, 60, 10, 100,
    ]);
    expect(c.throttleSecs).toBe(30);
    expect(c.meshTtlSecs).toBe(600);
    expect(c.telegram).toEqual({
      tokenFile: "/run/secrets/tg",
      chats: ["123"],
      api: "http://127.0.0.1:8081",
    });
    // The mesh's knobs exclude each other in part: test/mesh-config.test.ts covers them.
    const plain = KNOBS.map((k) => k.name).filter((name) => !MESH_KNOBS.includes(name));
    expect([...c.fromEnv].sort()).toEqual(plain.sort());
  });

  test("the socket dir defaults under an overridden home", () => {
    expect(value({ IAPEER_HOME: "/srv/x" }).sockDir).toBe("/srv/x/run");
  });

  test("an empty value counts as unset", () => {
    expect(value({ IAPEER_PORT: "", IAPEER_HOME: "" }).port).toBe(8765);
  });

  test("NO_COLOR turns colour off", () => {
    expect(value({}).color).toBe(true);
    expect(value({ NO_COLOR: "1" }).color).toBe(false);
    expect(colorWanted(true, {})).toBe(true);
    expect(colorWanted(true, { NO_COLOR: "yes" })).toBe(false);
    expect(colorWanted(false, {})).toBe(false);
  });
});

describe("rejections name the variable and what it accepts", () => {
  test.each([
    ["IAPEER_HOME", "relative/dir", "must be an absolute path"],
    ["IAPEER_HOME", "~/x", "must be an absolute path"],
    ["IAPEER_SOCK_DIR", "run", "must be an absolute path"],
    ["IAPEER_SERVICE_MANAGER", "upstart", "must be one of launchd, systemd, none"],
    ["IAPEER_LAUNCHAGENTS_DIR", "LaunchAgents", "must be an absolute path"],
    ["IAPEER_SYSTEMD_DIR", ".", "must be an absolute path"],
    ["IAPEER_PORT", "abc", "must be an integer from 0 to 65535"],
    ["IAPEER_PORT", "65536", "must be an integer from 0 to 65535"],
    ["IAPEER_PORT", "-1", "must be an integer from 0 to 65535"],
    ["IAPEER_PORT", "80.5", "must be an integer from 0 to 65535"],
    ["IAPEER_IDLE_SECS", "1h", "must be an integer"],
    ["IAPEER_TICK_SECS", "0", "must be an integer from 1 to 86400"],
    ["IAPEER_TICK_SECS", "1e3", "must be an integer"],
    ["IAPEER_LOG_MAX_BYTES", "100", "must be an integer from 4096"],
    ["IAPEER_LOG_FILES", "0", "must be an integer from 1 to 100"],
    ["IAPEER_CRASH_LIMIT", "0", "must be an integer from 1 to 1000"],
    ["IAPEER_CRASH_WINDOW_SECS", "x", "must be an integer"],
    ["IAPEER_BACKOFF_SECS", "0", "must be an integer from 1"],
    ["IAPEER_BACKOFF_MAX_SECS", "-5", "must be an integer from 1"],
    ["IAPEER_MESH_TTL_SECS", "0", "must be an integer from 1 to 604800"],
    ["IAPEER_MESH_TTL_SECS", "604801", "must be an integer from 1 to 604800"],
  ])("%s=%p", (name, bad, expected) => {
    const message = error({ [name]: bad });
    expect(message).toStartWith(name);
    expect(message).toContain(expected);
    expect(message).toContain(JSON.stringify(bad));
  });

  test("a back-off ceiling below the first back-off is refused", () => {
    expect(error({ IAPEER_BACKOFF_SECS: "100", IAPEER_BACKOFF_MAX_SECS: "50" })).toBe(
      "IAPEER_BACKOFF_MAX_SECS (50) must be at least IAPEER_BACKOFF_SECS (100)",
    );
  });

  test("a socket dir too long for unix sockets is refused", () => {
    const message = error({ IAPEER_SOCK_DIR: `/${"d".repeat(60)}` }, "darwin");
    expect(message).toStartWith("IAPEER_SOCK_DIR is too long");
    expect(message).toContain(String(socketPathLimit("darwin") - 1));
  });
});

describe("socket path fallback", () => {
  test("a long home gets a short, private, per-home socket dir", () => {
    const home = `/Users/ana/${"deep/".repeat(8)}iapeer`;
    const c = loadConfig({
      env: { HOME: "/Users/ana", IAPEER_HOME: home },
      platform: "darwin",
      uid: 501,
    });
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.value.sockDir).toBe(fallbackSockDir(home, 501));
    expect(c.value.sockDir).toMatch(/^\/tmp\/iapeer-501\/[0-9a-f]{8}$/);
    expect(fallbackSockDir(`${home}2`, 501)).not.toBe(c.value.sockDir);
  });

  test("macOS's limit is lower than Linux's", () => {
    expect(socketPathLimit("darwin")).toBe(104);
    expect(socketPathLimit("linux")).toBe(108);
    // The longest socket is <sockDir>/tmux/<65-char identity>.sock: 76 bytes past the dir.
    // A 25-byte home makes a 105-byte path: under Linux's 108, over macOS's 104.
    const home = `/h/${"x".repeat(22)}`;
    const onLinux = loadConfig({
      env: { HOME: "/h", IAPEER_HOME: home },
      platform: "linux",
      uid: 1,
    });
    const onMac = loadConfig({
      env: { HOME: "/h", IAPEER_HOME: home },
      platform: "darwin",
      uid: 1,
    });
    expect(onLinux.ok && onLinux.value.sockDir).toBe(`${home}/run`);
    expect(onMac.ok && onMac.value.sockDir).toBe(fallbackSockDir(home, 1));
  });
});

test("README documents every knob", () => {
  const readme = readFileSync(join(import.meta.dir, "..", "..", "README.md"), "utf8");
  for (const knob of KNOBS) expect(readme).toContain(`\`${knob.name}\``);
});

test("every IAPEER_* setting the config reads is a knob `iapeer config` lists", () => {
  const source = readFileSync(
    join(import.meta.dir, "..", "..", "src", "core", "config.ts"),
    "utf8",
  );
  const read = new Set(source.match(/"IAPEER_[A-Z_]+"/g)?.map((s) => s.slice(1, -1)));
  expect([...read].sort()).toEqual(KNOBS.map((k) => k.name).sort());
});
