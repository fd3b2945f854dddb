import { createHash } from "node:crypto";
import { type Config, KNOBS } from "../core/config";

/** Knobs that pick the daemon (its home and sockets) rather than how it behaves. */
const WHICH_DAEMON = new Set(["IAPEER_HOME", "IAPEER_SOCK_DIR"]);
/** Knobs whose unset value means "whatever the daemon chose" (this home's port): unset matches. */
const ANY_WHEN_UNSET = new Set(["IAPEER_PORT"]);
/** Knobs whose value is a secret: the daemon's file holds a digest, never the value. */
const SECRET = new Set(["IAPEER_NATS_TOKEN", "IAPEER_NATS_PASSWORD"]);

const digest = (value: string): string =>
  `sha256:${createHash("sha256").update(value).digest("hex").slice(0, 16)}`;

/**
 * The IAPEER_* settings a process was given, as the daemon records them in daemon.json, so a
 * client started with other settings can say which differ instead of silently using the
 * daemon's.
 */
export function daemonSettings(config: Config): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const { name } of KNOBS) {
    const value = config.env[name];
    if (WHICH_DAEMON.has(name) || value === undefined || value === "") continue;
    settings[name] = SECRET.has(name) ? digest(value) : value;
  }
  return settings;
}

interface SettingDifference {
  name: string;
  /** As the daemon was started; undefined when it was not set (its default). */
  daemon: string | undefined;
  client: string | undefined;
  secret: boolean;
}

/** The settings in which a client differs from the running daemon. */
export function settingsDiffer(
  client: Record<string, string>,
  daemon: Record<string, string>,
): SettingDifference[] {
  const names = [...new Set([...Object.keys(client), ...Object.keys(daemon)])].sort();
  return names
    .filter((name) => client[name] !== daemon[name])
    .filter((name) => !(ANY_WHEN_UNSET.has(name) && client[name] === undefined))
    .map((name) => ({
      name,
      daemon: daemon[name],
      client: client[name],
      secret: SECRET.has(name),
    }));
}

/** One line: what differs, and the way to make the daemon take this command's settings. */
export function describeDifferences(pid: number, diffs: readonly SettingDifference[]): string {
  const said = (v: string | undefined, secret: boolean) =>
    v === undefined ? "unset" : secret ? "another value" : v;
  const parts = diffs.map(
    (d) => `${d.name} is ${said(d.daemon, d.secret)} there, ${said(d.client, d.secret)} here`,
  );
  return `the running daemon (pid ${pid}) was started with other settings (${parts.join("; ")}): it uses its own; \`iapeer daemon restart\` starts it with this command's`;
}
