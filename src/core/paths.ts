import { dirname, join } from "node:path";
import type { Config } from "./config";
import { ensurePrivateDir } from "./fs";
import { ok, type Result } from "./result";

/** The IAPEER_HOME layout of the contract, derived from config and nothing else. */
export interface Layout {
  readonly home: string;
  readonly peersDir: string;
  readonly stateDir: string;
  readonly dbPath: string;
  /** The loopback port this home's daemon last listened on (when IAPEER_PORT is not set). */
  readonly portFile: string;
  readonly logsDir: string;
  readonly lifecycleLog: string;
  readonly deliveryLog: string;
  readonly exitsLog: string;
  readonly peerLogsDir: string;
  readonly sockDir: string;
  readonly tmuxSockDir: string;
  readonly daemonSock: string;
  readonly daemonInfo: string;
}

export function layoutOf(config: Pick<Config, "home" | "sockDir">): Layout {
  const logsDir = join(config.home, "logs", "iapeer");
  return Object.freeze({
    home: config.home,
    peersDir: join(config.home, "peers"),
    stateDir: join(config.home, "state"),
    dbPath: join(config.home, "state", "iapeer.db"),
    portFile: join(config.home, "state", "port"),
    logsDir,
    lifecycleLog: join(logsDir, "lifecycle.log"),
    deliveryLog: join(logsDir, "delivery.log"),
    exitsLog: join(logsDir, "exits.log"),
    peerLogsDir: join(config.home, "logs", "peers"),
    sockDir: config.sockDir,
    tmuxSockDir: join(config.sockDir, "tmux"),
    daemonSock: join(config.sockDir, "daemon.sock"),
    daemonInfo: join(config.sockDir, "daemon.json"),
  });
}

export const peerDir = (layout: Layout, personality: string): string =>
  join(layout.peersDir, personality);
export const peerLog = (layout: Layout, identity: string): string =>
  join(layout.peerLogsDir, `${identity}.log`);
export const tmuxSocket = (layout: Layout, identity: string): string =>
  join(layout.tmuxSockDir, `${identity}.sock`);

/**
 * Create every directory of the layout, private to this user. The socket directory's parent is
 * checked too when it is the shared-/tmp fallback, where another user could have made it first.
 */
export function ensureLayout(layout: Layout, uid: number): Result<Layout> {
  const sockParent = dirname(layout.sockDir);
  const dirs: [string, number | undefined][] = [
    [layout.home, undefined],
    [layout.peersDir, undefined],
    [layout.stateDir, undefined],
    [layout.logsDir, undefined],
    [layout.peerLogsDir, undefined],
    ...(sockParent.startsWith("/tmp/iapeer-") ? [[sockParent, uid] as [string, number]] : []),
    [layout.sockDir, uid],
    [layout.tmuxSockDir, uid],
  ];
  for (const [dir, owner] of dirs) {
    const made = ensurePrivateDir(dir, owner);
    if (!made.ok) return made;
  }
  return ok(layout);
}
