import { join } from "node:path";
import type { Config } from "../core/config";
import type { Layout } from "../core/paths";

/** One service, whatever manager runs it. Rendered to a plist or a unit by pure functions. */
export interface ServiceSpec {
  /** `daemon`, or the always-on peer's identity. */
  name: string;
  kind: "daemon" | "peer";
  description: string;
  /** Absolute program and its arguments. */
  argv: string[];
  workingDirectory: string;
  env: Record<string, string>;
  stdoutPath: string;
  stderrPath: string;
  /** Least seconds between two starts. */
  throttleSecs: number;
}

export const OWNER_MARK = "iapeer";

/** Where programs live on the hosts iapeer runs on, for the PATH a service manager lacks. */
const STANDARD_PATH = [
  "/opt/homebrew/bin",
  "/usr/local/bin",
  "/usr/bin",
  "/bin",
  "/usr/sbin",
  "/sbin",
];

/** launchd and systemd give a minimal PATH: the service gets the installer's, plus the usual dirs. */
export function servicePath(path: string): string {
  const dirs = [...new Set(path.split(":").filter(Boolean))];
  for (const dir of STANDARD_PATH) if (!dirs.includes(dir)) dirs.push(dir);
  return dirs.join(":");
}

function baseEnv(config: Config): Record<string, string> {
  const env: Record<string, string> = { PATH: servicePath(config.path), IAPEER_HOME: config.home };
  // Settings the installer gave explicitly go with it, so the service runs with the same ones.
  for (const name of config.fromEnv) {
    const value = config.env[name];
    if (value !== undefined) env[name] = value;
  }
  for (const name of ["LANG", "LC_ALL", "LC_CTYPE", "USER", "LOGNAME", "HOME"]) {
    const value = config.env[name];
    if (value) env[name] = value;
  }
  if (!env.LANG && !env.LC_ALL && !env.LC_CTYPE) env.LANG = "C.UTF-8";
  return env;
}

export function daemonSpec(config: Config, layout: Layout, iapeer: readonly string[]): ServiceSpec {
  return {
    name: "daemon",
    kind: "daemon",
    description: "iapeer router daemon",
    argv: [...iapeer, "daemon"],
    workingDirectory: config.home,
    env: baseEnv(config),
    stdoutPath: join(layout.logsDir, "daemon.out.log"),
    stderrPath: join(layout.logsDir, "daemon.err.log"),
    throttleSecs: config.throttleSecs,
  };
}

export function peerSpec(
  config: Config,
  layout: Layout,
  iapeer: readonly string[],
  peer: { identity: string; personality: string; runtime: string; cwd: string },
): ServiceSpec {
  return {
    name: peer.identity,
    kind: "peer",
    description: `iapeer always-on peer ${peer.personality} (${peer.runtime})`,
    argv: [...iapeer, "run-always-on", peer.identity],
    workingDirectory: peer.cwd,
    env: {
      ...baseEnv(config),
      PEER_PERSONALITY: peer.personality,
      PEER_RUNTIME: peer.runtime,
      PEER_IDENTITY: peer.identity,
      PEER_CWD: peer.cwd,
    },
    stdoutPath: join(layout.logsDir, `service-${peer.identity}.out.log`),
    stderrPath: join(layout.logsDir, `service-${peer.identity}.err.log`),
    throttleSecs: config.throttleSecs,
  };
}
