import { homedir, hostname as osHostname } from "node:os";
import { isAbsolute, join, normalize } from "node:path";
import { loadHostName, loadMeshConfig, type MeshConfig } from "./mesh-config";
import { validatePersonality } from "./names";
import { fail, ok, type Result } from "./result";
import { defaultSockDir, longestSocketPath, sockDirFits, socketPathLimit } from "./socket-path";
import { loadTelegramConfig, TELEGRAM_API, type TelegramConfig } from "./telegram-config";

/**
 * The one place that reads the environment. Every IAPEER_* knob is parsed and validated here;
 * a bad value is an error naming the variable, never a silent default. An empty value counts
 * as unset, as in most shells' `VAR= cmd` idiom.
 */

export type ServiceManager = "launchd" | "systemd" | "none";
export const SERVICE_MANAGERS: readonly ServiceManager[] = ["launchd", "systemd", "none"];

export interface Config {
  /** Root of all state. */
  readonly home: string;
  /** Directory of the daemon socket and the per-identity tmux sockets. */
  readonly sockDir: string;
  readonly serviceManager: ServiceManager;
  readonly launchAgentsDir: string;
  readonly systemdDir: string;
  /** Loopback TCP port for MCP/HTTP; 0 turns it off. */
  readonly port: number;
  /** Idle seconds before a warm session is put to sleep; 0 never puts one to sleep. */
  readonly idleSecs: number;
  readonly tickSecs: number;
  readonly logMaxBytes: number;
  readonly logFiles: number;
  /** Deaths within the crash window that trip the crash-loop guard. */
  readonly crashLimit: number;
  readonly crashWindowSecs: number;
  /** First back-off when the guard trips; it doubles each time it trips again, up to the max. */
  readonly backoffSecs: number;
  readonly backoffMaxSecs: number;
  /** launchd ThrottleInterval / systemd RestartSec: the least time between two starts of a service. */
  readonly throttleSecs: number;
  /** This host's name in the mesh; undefined only when the mesh is off and the hostname gives none. */
  readonly host: string | undefined;
  /** The mesh of hosts over NATS JetStream; undefined = this host only. */
  readonly mesh: MeshConfig | undefined;
  /** How long a message for another host may take to be delivered there before it fails. */
  readonly meshTtlSecs: number;
  /** The built-in telegram bridge's defaults. */
  readonly telegram: TelegramConfig;
  /** Hops a conversation between agents may take before a send in it is refused. */
  readonly maxHops: number;
  /** Messages an agent may send per minute. */
  readonly sendRate: number;
  /** Times a message whose turn failed is typed again once the agent is healthy. */
  readonly turnRetries: number;
  /** Hold for a limit that names no reset time. */
  readonly limitBackoffSecs: number;
  /** Whether the screen may say what an agent does when its own signals are silent. */
  readonly screenStates: boolean;
  /** A peer told each time an agent starts waiting for a person's answer (a telegram bridge). */
  readonly askingTo: string | undefined;
  /** Knobs whose value came from the environment (the rest are defaults). */
  readonly fromEnv: readonly string[];
  readonly platform: string;
  readonly uid: number;
  readonly userHome: string;
  /** The PATH this process was given; services get a fuller one. */
  readonly path: string;
  /** False when NO_COLOR is set (any non-empty value), per no-color.org. */
  readonly color: boolean;
  /** The environment this process was given: sessions inherit it (API keys, proxies, locale). */
  readonly env: Readonly<Record<string, string>>;
}

interface Knob {
  readonly name: string;
  readonly meaning: string;
  readonly defaultText: string;
}

export const KNOBS: readonly Knob[] = [
  { name: "IAPEER_HOME", meaning: "root of all state", defaultText: "~/.iapeer" },
  {
    name: "IAPEER_SOCK_DIR",
    meaning: "tmux + daemon sockets",
    defaultText:
      "$IAPEER_HOME/run, or /tmp/iapeer-<uid>/<hash of home> when that is too long for a socket path",
  },
  {
    name: "IAPEER_SERVICE_MANAGER",
    meaning: "launchd, systemd or none (none: write files, never call launchctl/systemctl)",
    defaultText: "launchd on macOS, systemd on Linux, none elsewhere",
  },
  {
    name: "IAPEER_LAUNCHAGENTS_DIR",
    meaning: "where plists go",
    defaultText: "~/Library/LaunchAgents",
  },
  {
    name: "IAPEER_SYSTEMD_DIR",
    meaning: "where user units go",
    defaultText: "$XDG_CONFIG_HOME/systemd/user (~/.config/systemd/user)",
  },
  {
    name: "IAPEER_PORT",
    meaning: "loopback TCP port for MCP/HTTP (0 = off)",
    defaultText: "this home's last port, else 8765 if free, else any free port",
  },
  {
    name: "IAPEER_IDLE_SECS",
    meaning: "idle seconds before a warm session is put to sleep (0 = never)",
    defaultText: "3600",
  },
  { name: "IAPEER_TICK_SECS", meaning: "supervise tick period, seconds", defaultText: "60" },
  {
    name: "IAPEER_MAX_HOPS",
    meaning: "hops a conversation between agents may take before send_to_peer refuses",
    defaultText: "16",
  },
  {
    name: "IAPEER_SEND_RATE",
    meaning: "messages one agent may send per minute",
    defaultText: "60",
  },
  {
    name: "IAPEER_TURN_RETRIES",
    meaning: "times a message whose turn failed is typed again once the agent is healthy",
    defaultText: "3",
  },
  {
    name: "IAPEER_LIMIT_BACKOFF_SECS",
    meaning: "how long a rate-limited agent is left alone when it names no reset time",
    defaultText: "300",
  },
  {
    name: "IAPEER_ASKING_TO",
    meaning: "a peer (say a telegram bridge) told each time an agent waits for a person's answer",
    defaultText: "none",
  },
  {
    name: "IAPEER_SCREEN_STATES",
    meaning: "on: the screen says what an agent does when its hooks are silent; off: hooks only",
    defaultText: "on",
  },
  {
    name: "IAPEER_LOG_MAX_BYTES",
    meaning: "size at which a log file rotates",
    defaultText: "5242880 (5 MiB)",
  },
  {
    name: "IAPEER_LOG_FILES",
    meaning: "log files kept per log, the live one included",
    defaultText: "5",
  },
  {
    name: "IAPEER_CRASH_LIMIT",
    meaning: "deaths within the crash window that mark a peer failed",
    defaultText: "3",
  },
  { name: "IAPEER_CRASH_WINDOW_SECS", meaning: "the crash window, seconds", defaultText: "300" },
  {
    name: "IAPEER_BACKOFF_SECS",
    meaning: "how long a failed peer refuses wakes the first time; doubles each time after",
    defaultText: "60",
  },
  {
    name: "IAPEER_BACKOFF_MAX_SECS",
    meaning: "the longest back-off, seconds",
    defaultText: "3600",
  },
  {
    name: "IAPEER_THROTTLE_SECS",
    meaning: "least seconds between two starts of a service",
    defaultText: "10",
  },
  {
    name: "IAPEER_NATS_URL",
    meaning:
      "NATS server(s) of the mesh, comma-separated nats:// or tls:// URLs (unset = this host only)",
    defaultText: "unset",
  },
  {
    name: "IAPEER_HOST",
    meaning: "this host's name in the mesh (a-z, 0-9, -)",
    defaultText: "the short hostname, normalised like a peer name",
  },
  {
    name: "IAPEER_NATS_CREDS",
    meaning: "NATS credentials file (absolute path)",
    defaultText: "unset",
  },
  {
    name: "IAPEER_NATS_TOKEN",
    meaning: "NATS token (shown as set, never printed)",
    defaultText: "unset",
  },
  {
    name: "IAPEER_NATS_USER",
    meaning: "NATS user (with IAPEER_NATS_PASSWORD)",
    defaultText: "unset",
  },
  {
    name: "IAPEER_NATS_PASSWORD",
    meaning: "NATS password (shown as set, never printed)",
    defaultText: "unset",
  },
  {
    name: "IAPEER_NATS_CA",
    meaning: "CA file that verifies the NATS servers' certificates (tls:// URLs)",
    defaultText: "the system's CAs",
  },
  {
    name: "IAPEER_NATS_INSECURE",
    meaning: "1 allows a plaintext nats:// URL to another machine",
    defaultText: "0",
  },
  {
    name: "IAPEER_MESH_TTL_SECS",
    meaning:
      "seconds a message for another host may wait to be delivered there before it fails (1-604800)",
    defaultText: "86400 (24 h)",
  },
  {
    name: "IAPEER_TELEGRAM_TOKEN_FILE",
    meaning:
      "file (absolute path, mode 0600) holding the telegram bridge's bot token; a bridge peer's tokenFile wins",
    defaultText: "unset",
  },
  {
    name: "IAPEER_TELEGRAM_CHATS",
    meaning: "chat ids the telegram bridge hears, comma-separated (anyone else gets nothing)",
    defaultText: "unset (no chat is heard)",
  },
  {
    name: "IAPEER_TELEGRAM_API",
    meaning: "the Telegram Bot API's base URL",
    defaultText: TELEGRAM_API,
  },
];

interface ConfigInput {
  env: Record<string, string | undefined>;
  platform: string;
  uid: number;
  /** The machine's hostname, the default of IAPEER_HOST. */
  hostname: string;
}

const MAX_PORT = 65535;
const DAY_SECS = 86_400;

type Env = Record<string, string | undefined>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

function absolutePath(env: Env, name: string, fallback: string): Result<string> {
  const value = raw(env, name);
  if (value === undefined) return ok(fallback);
  if (!isAbsolute(value)) {
    return fail(`${name} must be an absolute path (got ${JSON.stringify(value)})`);
  }
  return ok(normalize(value).replace(/(.)\/+$/, "$1"));
}

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): Result<number> {
  const value = raw(env, name);
  if (value === undefined) return ok(fallback);
  const trimmed = value.trim();
  const n = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    return fail(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return ok(n);
}

function definedOnly(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function defaultServiceManager(platform: string): ServiceManager {
  if (platform === "darwin") return "launchd";
  if (platform === "linux") return "systemd";
  return "none";
}

export function loadConfig(input?: Partial<ConfigInput>): Result<Config> {
  const env: Env = input?.env ?? process.env;
  const platform = input?.platform ?? process.platform;
  const uid = input?.uid ?? process.getuid?.() ?? 0;
  const machineName = input?.hostname ?? osHostname();

  const userHome = raw(env, "HOME") ?? homedir();
  const home = absolutePath(env, "IAPEER_HOME", join(userHome, ".iapeer"));
  if (!home.ok) return home;

  const sockDir = absolutePath(env, "IAPEER_SOCK_DIR", defaultSockDir(home.value, platform, uid));
  if (!sockDir.ok) return sockDir;
  if (!sockDirFits(sockDir.value, platform)) {
    const longest = Buffer.byteLength(longestSocketPath(sockDir.value));
    return fail(
      `IAPEER_SOCK_DIR is too long for unix sockets: its longest socket path would be ${longest} bytes, the limit here is ${socketPathLimit(platform) - 1}; choose a shorter directory`,
    );
  }

  const managerRaw = raw(env, "IAPEER_SERVICE_MANAGER");
  if (managerRaw !== undefined && !(SERVICE_MANAGERS as readonly string[]).includes(managerRaw)) {
    return fail(
      `IAPEER_SERVICE_MANAGER must be one of ${SERVICE_MANAGERS.join(", ")} (got ${JSON.stringify(managerRaw)})`,
    );
  }
  const serviceManager =
    (managerRaw as ServiceManager | undefined) ?? defaultServiceManager(platform);

  const launchAgentsDir = absolutePath(
    env,
    "IAPEER_LAUNCHAGENTS_DIR",
    join(userHome, "Library", "LaunchAgents"),
  );
  if (!launchAgentsDir.ok) return launchAgentsDir;
  const xdgConfig = raw(env, "XDG_CONFIG_HOME");
  const configHome = xdgConfig && isAbsolute(xdgConfig) ? xdgConfig : join(userHome, ".config");
  const systemdDir = absolutePath(env, "IAPEER_SYSTEMD_DIR", join(configHome, "systemd", "user"));
  if (!systemdDir.ok) return systemdDir;

  const port = integer(env, "IAPEER_PORT", 8765, 0, MAX_PORT);
  if (!port.ok) return port;
  const idleSecs = integer(env, "IAPEER_IDLE_SECS", 3600, 0, 365 * DAY_SECS);
  if (!idleSecs.ok) return idleSecs;
  const tickSecs = integer(env, "IAPEER_TICK_SECS", 60, 1, DAY_SECS);
  if (!tickSecs.ok) return tickSecs;
  const logMaxBytes = integer(env, "IAPEER_LOG_MAX_BYTES", 5 * 1024 * 1024, 4096, 2 ** 40);
  if (!logMaxBytes.ok) return logMaxBytes;
  const logFiles = integer(env, "IAPEER_LOG_FILES", 5, 1, 100);
  if (!logFiles.ok) return logFiles;
  const crashLimit = integer(env, "IAPEER_CRASH_LIMIT", 3, 1, 1000);
  if (!crashLimit.ok) return crashLimit;
  const crashWindowSecs = integer(env, "IAPEER_CRASH_WINDOW_SECS", 300, 1, DAY_SECS);
  if (!crashWindowSecs.ok) return crashWindowSecs;
  const backoffSecs = integer(env, "IAPEER_BACKOFF_SECS", 60, 1, DAY_SECS);
  if (!backoffSecs.ok) return backoffSecs;
  const backoffMaxSecs = integer(env, "IAPEER_BACKOFF_MAX_SECS", 3600, 1, 30 * DAY_SECS);
  if (!backoffMaxSecs.ok) return backoffMaxSecs;
  const throttleSecs = integer(env, "IAPEER_THROTTLE_SECS", 10, 1, 3600);
  if (!throttleSecs.ok) return throttleSecs;
  if (backoffMaxSecs.value < backoffSecs.value) {
    return fail(
      `IAPEER_BACKOFF_MAX_SECS (${backoffMaxSecs.value}) must be at least IAPEER_BACKOFF_SECS (${backoffSecs.value})`,
    );
  }

  // At most the stream's own 7 days: past that, the stream itself drops what it keeps.
  const meshTtlSecs = integer(env, "IAPEER_MESH_TTL_SECS", DAY_SECS, 1, 7 * DAY_SECS);
  if (!meshTtlSecs.ok) return meshTtlSecs;

  const telegram = loadTelegramConfig(env);
  if (!telegram.ok) return telegram;

  const maxHops = integer(env, "IAPEER_MAX_HOPS", 16, 1, 10_000);
  if (!maxHops.ok) return maxHops;
  const sendRate = integer(env, "IAPEER_SEND_RATE", 60, 1, 1_000_000);
  if (!sendRate.ok) return sendRate;
  const turnRetries = integer(env, "IAPEER_TURN_RETRIES", 3, 0, 100);
  if (!turnRetries.ok) return turnRetries;
  const limitBackoffSecs = integer(env, "IAPEER_LIMIT_BACKOFF_SECS", 300, 1, DAY_SECS);
  if (!limitBackoffSecs.ok) return limitBackoffSecs;
  const askingTo = raw(env, "IAPEER_ASKING_TO");
  if (askingTo !== undefined) {
    const name = validatePersonality(askingTo);
    if (!name.ok) return fail(`IAPEER_ASKING_TO: ${name.error}`);
  }
  const screenStates = raw(env, "IAPEER_SCREEN_STATES") ?? "on";
  if (screenStates !== "on" && screenStates !== "off")
    return fail(`IAPEER_SCREEN_STATES must be on or off, not ${JSON.stringify(screenStates)}`);

  const mesh = loadMeshConfig(env);
  if (!mesh.ok) return mesh;
  const host = loadHostName(env, machineName, mesh.value !== undefined);
  if (!host.ok) return host;

  return ok(
    Object.freeze({
      home: home.value,
      sockDir: sockDir.value,
      serviceManager,
      launchAgentsDir: launchAgentsDir.value,
      systemdDir: systemdDir.value,
      port: port.value,
      idleSecs: idleSecs.value,
      tickSecs: tickSecs.value,
      logMaxBytes: logMaxBytes.value,
      logFiles: logFiles.value,
      crashLimit: crashLimit.value,
      crashWindowSecs: crashWindowSecs.value,
      backoffSecs: backoffSecs.value,
      backoffMaxSecs: backoffMaxSecs.value,
      throttleSecs: throttleSecs.value,
      host: host.value,
      mesh: mesh.value,
      meshTtlSecs: meshTtlSecs.value,
      telegram: telegram.value,
      maxHops: maxHops.value,
      sendRate: sendRate.value,
      turnRetries: turnRetries.value,
      limitBackoffSecs: limitBackoffSecs.value,
      screenStates: screenStates === "on",
      askingTo,
      fromEnv: Object.freeze(
        KNOBS.map((k) => k.name).filter((name) => raw(env, name) !== undefined),
      ),
      platform,
      uid,
      userHome,
      path: env.PATH ?? "/usr/bin:/bin",
      color: raw(env, "NO_COLOR") === undefined,
      env: Object.freeze(definedOnly(env)),
    }),
  );
}

/**
 * Whether terminal output may use colour: not when NO_COLOR is set (no-color.org) or the stream
 * is not a terminal. Separate from loadConfig so help and errors work even when a knob is bad.
 */
export function colorWanted(isTTY: boolean | undefined, env: Env = process.env): boolean {
  return isTTY === true && raw(env, "NO_COLOR") === undefined && env.TERM !== "dumb";
}

/** What a session's own process learns from the environment iapeer launched it with. */
interface PeerEnvironment {
  personality?: string;
  runtime?: string;
  identity?: string;
  cwd?: string;
}

export function peerEnvironment(env: Env = process.env): PeerEnvironment {
  return {
    ...(raw(env, "PEER_PERSONALITY") && { personality: raw(env, "PEER_PERSONALITY") }),
    ...(raw(env, "PEER_RUNTIME") && { runtime: raw(env, "PEER_RUNTIME") }),
    ...(raw(env, "PEER_IDENTITY") && { identity: raw(env, "PEER_IDENTITY") }),
    ...(raw(env, "PEER_CWD") && { cwd: raw(env, "PEER_CWD") }),
  };
}
