import { VERSION } from "../core/version";
import type { Host } from "../home/host";
import { describeDeath, type RecentDeath, recentDeaths } from "../lifecycle/crash-guard";
import { allStates, type PeerRuntimeState, profileProblem, stateOf } from "../lifecycle/state";
import type { Profile } from "../registry/profile";
import { getPeer } from "../registry/registry";
import { tmuxVersion } from "../tmux/client";
import type { DaemonInfo } from "./info";

/** One peer in detail, as `GET /v1/peers/<name>` answers and `iapeer status <peer>` prints. */
export interface PeerDetail {
  peer: string;
  cwd: string;
  stopped: boolean;
  profile: Profile;
  problem?: string;
  runtimes: PeerRuntimeState[];
  deaths: (RecentDeath & { cause: string })[];
}

export function peerDetail(host: Host, name: string): PeerDetail | undefined {
  const peer = getPeer(host.store, name);
  if (!peer) return undefined;
  const problem = profileProblem(peer);
  return {
    peer: name,
    cwd: peer.cwd,
    stopped: peer.stopped,
    profile: peer.profile,
    ...(problem && { problem }),
    runtimes: peer.profile.runtimes.map((rt) => stateOf(host, peer, rt, problem)),
    deaths: recentDeaths(host, name).map((d) => ({ ...d, cause: describeDeath(d) })),
  };
}

/** This host, its daemon and a count of its peers by state: `iapeer status`. */
export function hostStatus(host: Host, daemon: DaemonInfo) {
  const states = allStates(host);
  const count = (state: string) => states.filter((s) => s.state === state).length;
  return {
    version: VERSION,
    host: {
      platform: host.config.platform,
      home: host.config.home,
      sock_dir: host.config.sockDir,
      tmux: tmuxVersion() ?? null,
    },
    daemon: { up: true, pid: daemon.pid, version: daemon.version, started_at: daemon.startedAt },
    peers: {
      total: new Set(states.map((s) => s.personality)).size,
      live: count("live"),
      asleep: count("asleep"),
      stopped: count("stopped"),
      failed: count("failed"),
      always_on: count("always-on"),
      broken: new Set(states.filter((s) => s.state === "broken").map((s) => s.personality)).size,
    },
  };
}

export type HostStatus = ReturnType<typeof hostStatus>;
