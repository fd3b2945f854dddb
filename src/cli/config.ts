import { defineCommand } from "citty";
import { type Config, KNOBS } from "../core/config";
import { requireConfig } from "./need-config";

const SECRET = "(set)";

const VALUES: Record<string, (c: Config) => string | number> = {
  IAPEER_HOME: (c) => c.home,
  IAPEER_SOCK_DIR: (c) => c.sockDir,
  IAPEER_SERVICE_MANAGER: (c) => c.serviceManager,
  IAPEER_LAUNCHAGENTS_DIR: (c) => c.launchAgentsDir,
  IAPEER_SYSTEMD_DIR: (c) => c.systemdDir,
  IAPEER_PORT: (c) => c.port,
  IAPEER_IDLE_SECS: (c) => c.idleSecs,
  IAPEER_TICK_SECS: (c) => c.tickSecs,
  IAPEER_LOG_MAX_BYTES: (c) => c.logMaxBytes,
  IAPEER_LOG_FILES: (c) => c.logFiles,
  IAPEER_CRASH_LIMIT: (c) => c.crashLimit,
  IAPEER_CRASH_WINDOW_SECS: (c) => c.crashWindowSecs,
  IAPEER_BACKOFF_SECS: (c) => c.backoffSecs,
  IAPEER_BACKOFF_MAX_SECS: (c) => c.backoffMaxSecs,
  IAPEER_THROTTLE_SECS: (c) => c.throttleSecs,
  IAPEER_NATS_URL: (c) => c.mesh?.urls.join(",") ?? "",
  IAPEER_HOST: (c) => c.host ?? "",
  IAPEER_NATS_CREDS: (c) => (c.mesh?.auth.kind === "creds" ? c.mesh.auth.file : ""),
  // Secrets: whether one is in force, never what it is.
  IAPEER_NATS_TOKEN: (c) => (c.mesh?.auth.kind === "token" ? SECRET : ""),
  IAPEER_NATS_USER: (c) => (c.mesh?.auth.kind === "user" ? c.mesh.auth.user : ""),
  IAPEER_NATS_PASSWORD: (c) => (c.mesh?.auth.kind === "user" ? SECRET : ""),
  IAPEER_NATS_CA: (c) => c.mesh?.ca ?? "",
  IAPEER_NATS_INSECURE: (c) => (c.mesh?.insecure ? 1 : 0),
  IAPEER_MESH_TTL_SECS: (c) => c.meshTtlSecs,
  IAPEER_TELEGRAM_TOKEN_FILE: (c) => c.telegram.tokenFile ?? "",
  IAPEER_TELEGRAM_CHATS: (c) => c.telegram.chats.join(","),
  IAPEER_TELEGRAM_API: (c) => c.telegram.api,
};

interface KnobValue {
  name: string;
  value: string | number;
  source: "env" | "default";
  meaning: string;
}

function knobValues(config: Config): KnobValue[] {
  return KNOBS.map((knob) => ({
    name: knob.name,
    value: VALUES[knob.name]?.(config) ?? "",
    source: config.fromEnv.includes(knob.name) ? "env" : "default",
    meaning: knob.meaning,
  }));
}

export default defineCommand({
  meta: {
    name: "config",
    description: "Show every IAPEER_* setting in force and where it came from",
  },
  args: { json: { type: "boolean", description: "Print JSON", default: false } },
  run({ args }) {
    const config = requireConfig();
    const knobs = knobValues(config);
    if (args.json) {
      console.log(JSON.stringify({ knobs }, null, 2));
      return;
    }
    const width = Math.max(...knobs.map((k) => k.name.length));
    for (const k of knobs) {
      const origin = k.source === "env" ? "  (from environment)" : "";
      console.log(`${k.name.padEnd(width)}  ${k.value}${origin}`);
    }
  },
});
