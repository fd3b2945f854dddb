import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../core/config";
import { type Layout, layoutOf } from "../core/paths";
import { longestSocketPath, socketPathLimit } from "../core/socket-path";
import { COMMIT, VERSION } from "../core/version";
import { runningDaemon } from "../daemon/info";
import { keychainHas, missingClaudeCredentials } from "../runtimes/claude-credentials";
import { serviceFile } from "../service/manager";
import type { CommandRunner } from "../service/runner";
import { daemonSpec, servicePath } from "../service/spec";
import { noUserManager, reachedNoUserManager, USER_BUS_FIX } from "../service/user-bus";
import { openStore } from "../store/db";
import { describeDamage, inspectDatabaseFile } from "../store/health";
import { SCHEMA_VERSION } from "../store/schema";
import { tmuxVersion } from "../tmux/client";
import { daemonBuildDiffers } from "./daemon-version";
import { telegramChecks } from "./telegram";

type Level = "ok" | "warn" | "fail";

/** One finding. `fail` blocks iapeer from working; `warn` is worth fixing; field names are stable. */
export interface Check {
  check: string;
  ok: boolean;
  level: Level;
  detail: string;
  fix?: string;
}

export const ok = (check: string, detail: string): Check => ({
  check,
  ok: true,
  level: "ok",
  detail,
});
export const warn = (check: string, detail: string, fix: string): Check => ({
  check,
  ok: true,
  level: "warn",
  detail,
  fix,
});
export const bad = (check: string, detail: string, fix: string): Check => ({
  check,
  ok: false,
  level: "fail",
  detail,
  fix,
});

/** tmux ≥ 3.3 writes pane_dead_signal, which the exit-cause hook records. */
export function compareTmux(version: string): number {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return version.startsWith("next") || version === "master" ? 1 : -1;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major !== 3 ? major - 3 : minor - 3;
}

function tmuxCheck(): Check {
  const version = tmuxVersion();
  if (!version)
    return bad(
      "tmux",
      "tmux was not found on PATH",
      "install tmux ≥ 3.3 (macOS: brew install tmux; Debian/Ubuntu: apt-get install tmux)",
    );
  if (compareTmux(version) < 0) {
    return warn(
      "tmux",
      `tmux ${version}: deaths by signal are recorded without the signal (needs 3.3)`,
      "upgrade tmux to 3.3 or newer",
    );
  }
  return ok("tmux", `tmux ${version}`);
}

function homeCheck(config: Config): Check {
  if (!existsSync(config.home))
    return ok("home", `${config.home} does not exist yet; iapeer creates it (0700) on first use`);
  const st = statSync(config.home);
  if (!st.isDirectory())
    return bad(
      "home",
      `${config.home} is not a directory`,
      "move it away or set IAPEER_HOME to another path",
    );
  if (st.uid !== config.uid)
    return bad(
      "home",
      `${config.home} is owned by uid ${st.uid}, not you (${config.uid})`,
      `chown -R ${config.uid} ${config.home}`,
    );
  if ((st.mode & 0o077) !== 0) {
    return bad(
      "home",
      `${config.home} has mode ${(st.mode & 0o777).toString(8)}: other users can read your peers' state`,
      `chmod 700 ${config.home}`,
    );
  }
  return ok("home", `${config.home} (0700, yours)`);
}

function socketCheck(config: Config): Check {
  const longest = Buffer.byteLength(longestSocketPath(config.sockDir));
  return ok(
    "sockets",
    `${config.sockDir}: longest socket path ${longest} of ${socketPathLimit(config.platform) - 1} bytes`,
  );
}

function databaseCheck(layout: Layout): Check {
  if (!existsSync(layout.dbPath))
    return ok("database", `${layout.dbPath} is created on first use (schema v${SCHEMA_VERSION})`);
  // Unreadable is not damaged: setting it aside would lose a healthy queue.
  const found = inspectDatabaseFile(layout.dbPath);
  if (typeof found === "object" && found.kind === "unreadable")
    return bad(
      "database",
      describeDamage(found),
      `fix its permissions or its mount (the file is not damaged; \`verify --fix\` would not help)`,
    );
  const store = openStore(layout.dbPath);
  if (!store.ok)
    return bad(
      "database",
      store.error,
      "`iapeer verify --fix` sets a broken database aside and rebuilds the registry",
    );
  store.value.close();
  return ok("database", `${layout.dbPath} (schema v${SCHEMA_VERSION})`);
}

function daemonCheck(layout: Layout): Check {
  const d = runningDaemon(layout);
  if (!d)
    return warn(
      "daemon",
      "not running: messages go out only while a sender waits",
      "`iapeer daemon`, or `iapeer service install --daemon` to keep it running",
    );
  const up = Math.round((Date.now() - Date.parse(d.startedAt)) / 1000);
  const runs = `pid ${d.pid}, version ${d.version}${d.commit ? ` (${d.commit})` : ""}, up ${up}s${d.port ? `, port ${d.port}` : ""}`;
  const differs = daemonBuildDiffers(d, { version: VERSION, commit: COMMIT });
  if (differs)
    return warn(
      "daemon",
      `${runs}: ${differs}`,
      `\`iapeer daemon restart\` stops it (pid ${d.pid}; through launchd or systemd when it is a service) and starts this binary's; queued messages wait in the database`,
    );
  return ok("daemon", runs);
}

function serviceManagerCheck(
  config: Config,
  layout: Layout,
  run: CommandRunner,
  iapeer: readonly string[],
): Check[] {
  const file = serviceFile(config, daemonSpec(config, layout, iapeer)).path;
  const installed = existsSync(file);
  const service = installed
    ? `the daemon service is installed (${file})`
    : "the daemon service is not installed";
  if (config.serviceManager === "none")
    return [ok("service-manager", `none (IAPEER_SERVICE_MANAGER=none); ${service}`)];
  if (config.serviceManager === "launchd") {
    const r = run(["launchctl", "version"]);
    if (r.code !== 0 && r.code !== 127 && r.stderr)
      return [
        warn("service-manager", `launchctl: ${r.stderr}`, "run iapeer in your GUI login session"),
      ];
    if (r.code === 127)
      return [
        bad("service-manager", "launchctl not found", "on macOS launchctl is in /bin; check PATH"),
      ];
    return [
      installed
        ? ok("service-manager", `launchd; ${service}`)
        : warn("service-manager", `launchd; ${service}`, "`iapeer service install --daemon`"),
    ];
  }
  const r = run(["systemctl", "--user", "is-system-running"]);
  const checks: Check[] = [];
  if (r.code === 127)
    checks.push(
      bad(
        "service-manager",
        "systemctl not found",
        "install systemd, or set IAPEER_SERVICE_MANAGER=none and run `iapeer daemon` yourself",
      ),
    );
  else if (reachedNoUserManager(r)) {
    checks.push(warn("service-manager", noUserManager(r), USER_BUS_FIX));
  } else
    checks.push(
      installed
        ? ok("service-manager", `systemd --user; ${service}`)
        : warn(
            "service-manager",
            `systemd --user; ${service}`,
            "`iapeer service install --daemon`",
          ),
    );
  const linger = run(["loginctl", "show-user", String(config.uid), "-p", "Linger", "--value"]);
  if (linger.code === 0 && linger.stdout.trim() === "no") {
    checks.push(
      warn(
        "linger",
        "lingering is off: your services stop when you log out",
        `loginctl enable-linger ${config.env.USER ?? config.uid}`,
      ),
    );
  }
  return checks;
}

/** A model provider of the user's own in codex's config: codex needs no sign-in then. */
function codexHasProvider(env: Readonly<Record<string, string>>): boolean {
  const dir = env.CODEX_HOME || join(env.HOME ?? "", ".codex");
  try {
    const config = Bun.TOML.parse(readFileSync(join(dir, "config.toml"), "utf8")) as {
      model_provider?: unknown;
    };
    return typeof config.model_provider === "string" && config.model_provider !== "openai";
  } catch {
    return false;
  }
}

/** Each runtime's binary: found, its version, and whether it can run unattended here. */
function runtimeChecks(config: Config, run: CommandRunner): Check[] {
  const checks: Check[] = [];
  for (const [runtime, bin, flag] of [
    ["claude", "claude", "--version"],
    ["codex", "codex", "--version"],
  ] as const) {
    const path = Bun.which(bin, { PATH: config.path });
    if (!path) {
      checks.push(
        warn(
          `runtime:${runtime}`,
          `${bin} not found on PATH`,
          `npm install -g ${runtime === "claude" ? "@anthropic-ai/claude-code" : "@openai/codex"}`,
        ),
      );
      continue;
    }
    const v = run([path, flag]);
    const version = (v.stdout || v.stderr).trim().split("\n")[0] ?? "";
    if (v.code !== 0) {
      checks.push(
        warn(
          `runtime:${runtime}`,
          `${path} --version failed (exit ${v.code}): ${version}`,
          `run \`${bin} --version\` to see why`,
        ),
      );
      continue;
    }
    // Claude accepts bypassPermissions as root inside a sandbox it is told about.
    if (runtime === "claude" && config.uid === 0 && !config.env.IS_SANDBOX) {
      checks.push(
        warn(
          "runtime:claude",
          `${version} at ${path}; as root it refuses --permission-mode bypassPermissions, the default for unattended peers`,
          'run iapeer as a normal user, set IS_SANDBOX=1 when this host is a sandbox, or set "permissionMode" in the claude settings of each peer',
        ),
      );
      continue;
    }
    const noCredentials =
      runtime === "claude" &&
      missingClaudeCredentials({
        env: config.env,
        cwd: config.home,
        platform: process.platform,
        inKeychain: keychainHas,
      });
    if (noCredentials) {
      checks.push(
        warn(
          "runtime:claude",
          `${version} at ${path}; ${noCredentials.split(";")[0]}`,
          "run `claude` once yourself and log in, or give iapeer ANTHROPIC_API_KEY",
        ),
      );
      continue;
    }
    if (
      runtime === "codex" &&
      !codexHasProvider(config.env) &&
      run([path, "login", "status"]).code !== 0
    ) {
      checks.push(
        warn(
          "runtime:codex",
          `${version} at ${path}, not signed in`,
          "run `codex login` once yourself",
        ),
      );
      continue;
    }
    checks.push(ok(`runtime:${runtime}`, `${version} at ${path}`));
  }
  return checks;
}

interface DoctorInput {
  config: Config;
  run: CommandRunner;
  iapeer: readonly string[];
}

export function runChecks({ config, run, iapeer }: DoctorInput): Check[] {
  const layout = layoutOf(config);
  return [
    tmuxCheck(),
    homeCheck(config),
    socketCheck(config),
    databaseCheck(layout),
    daemonCheck(layout),
    ...serviceManagerCheck(config, layout, run, iapeer),
    ...runtimeChecks(config, run),
    // The telegram bridge is built in: what it needs is its token and its allow-list.
    ...telegramChecks(config, layout),
    ok("service-path", `a service gets PATH=${servicePath(config.path)}`),
  ];
}
