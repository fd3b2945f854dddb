import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Config, loadConfig } from "../../src/core/config";
import { EventLog } from "../../src/core/event-log";
import { type Identity, makeIdentity } from "../../src/core/names";
import { ensureLayout, type Layout, layoutOf, peerLog, tmuxSocket } from "../../src/core/paths";
import { iapeerArgv } from "../../src/core/self";
import type { Host } from "../../src/home/host";
import { hostOn } from "../../src/home/host";
import type { LaunchConfig } from "../../src/launch/launch";
import { sameProcess } from "../../src/launch/pid";
import { openStore, type Store } from "../../src/store/db";
import { Tmux } from "../../src/tmux/client";
import { tmuxServersUnder } from "./temp";

export interface Sandbox {
  /** A lifecycle host on this sandbox's home (its store is closed after the test). */
  host(): Host;
  /** Environment for running the CLI against this sandbox. */
  env: Record<string, string>;
  config: Config;
  layout: Layout;
  events: EventLog;
  identity(runtime: string, personality: string): Identity;
  peerDir(personality: string): string;
  launchConfig(identity: Identity, extra?: Partial<LaunchConfig>): LaunchConfig;
  tmux(identity: Identity): Tmux;
}

const made: { home: string; tmuxSockDir: string; daemonInfo: string; stores: Store[] }[] = [];

/** A throwaway IAPEER_HOME with its own sockets; every tmux server in it is killed after the test. */
export function sandbox(extraEnv: Record<string, string> = {}): Sandbox {
  // Short: the longest tmux socket path must fit the OS limit without the /tmp fallback.
  const home = mkdtempSync("/tmp/iapeer-t-");
  const env: Record<string, string> = {
    HOME: home,
    IAPEER_HOME: home,
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    LANG: "C.UTF-8",
    ...extraEnv,
  };
  const loaded = loadConfig({ env });
  if (!loaded.ok) throw new Error(loaded.error);
  const config = loaded.value;
  const layout = layoutOf(config);
  const ensured = ensureLayout(layout, process.getuid?.() ?? 0);
  if (!ensured.ok) throw new Error(ensured.error);
  const stores: Store[] = [];
  made.push({ home, tmuxSockDir: layout.tmuxSockDir, daemonInfo: layout.daemonInfo, stores });
  const events = new EventLog(layout.lifecycleLog);
  return {
    env,
    host() {
      const store = openStore(layout.dbPath);
      if (!store.ok) throw new Error(store.error);
      stores.push(store.value);
      return hostOn(config, store.value);
    },
    config,
    layout,
    events,
    identity(runtime, personality) {
      const id = makeIdentity(runtime, personality);
      if (!id.ok) throw new Error(id.error);
      return id.value;
    },
    peerDir(personality) {
      const dir = join(layout.peersDir, personality);
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    launchConfig(identity, extra = {}) {
      return {
        socket: tmuxSocket(layout, identity.identity),
        exitsLog: layout.exitsLog,
        paneLog: peerLog(layout, identity.identity),
        events,
        home: config.home,
        sockDir: config.sockDir,
        path: config.path,
        inherited: config.env,
        iapeer: iapeerArgv(),
        ...extra,
      };
    },
    tmux(identity) {
      return new Tmux(tmuxSocket(layout, identity.identity));
    },
  };
}

/**
 * Stop the daemon a CLI command started in each sandbox (by the pid its daemon.json names), kill
 * every tmux server by its own socket, then remove the home (test/setup.ts).
 */
export function cleanupSandboxes(): void {
  for (const { home, tmuxSockDir, daemonInfo, stores } of made.splice(0)) {
    for (const store of stores) store.close();
    if (existsSync(daemonInfo)) {
      try {
        const { pid, token } = JSON.parse(readFileSync(daemonInfo, "utf8")) as {
          pid: number;
          token?: string;
        };
        // Only that daemon: a pid reused by another process since is left alone.
        if (sameProcess(pid, token)) process.kill(pid, "SIGKILL");
      } catch {
        // gone, or a file half-written
      }
    }
    if (existsSync(tmuxSockDir)) {
      for (const sock of readdirSync(tmuxSockDir))
        new Tmux(join(tmuxSockDir, sock)).run(["kill-server"]);
    }
    // A server the killed daemon had just spawned may come up after that listing: by its pid.
    for (const pid of tmuxServersUnder(tmuxSockDir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    rmSync(home, { recursive: true, force: true });
  }
}
