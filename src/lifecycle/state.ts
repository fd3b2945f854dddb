import { statSync } from "node:fs";
import { makeIdentity } from "../core/names";
import { peerLog } from "../core/paths";
import { type Host, nowOf } from "../home/host";
import { inspectProfile } from "../registry/profile";
import { listPeers, type PeerRecord } from "../registry/registry";
import { getAgentState } from "./agent-states";
import { getSession } from "./sessions";
import { isLive } from "./wake";

type PeerState = "live" | "asleep" | "stopped" | "always-on" | "failed" | "broken";

/** One row of `iapeer list`: a peer × one of its runtimes. Field names are part of the contract. */
export interface PeerRuntimeState {
  personality: string;
  runtime: string;
  identity: string;
  default: boolean;
  state: PeerState;
  /** The runtime's process, when live. */
  pid?: number;
  uptime_s?: number;
  last_activity?: string;
  failed_until?: string;
  cwd: string;
  /** Why it is `broken`: its profile cannot be used (it is kept, and its session left running). */
  problem?: string;
  /** What its agent is doing (live sessions only), where that was learnt, and since when. */
  agent?: {
    state: string;
    source: string;
    since: string;
    question?: string;
    error?: string;
    reset_at?: string;
  };
}

/**
 * What is wrong with a registered peer's profile on disk now, if anything: not there, not
 * readable, not valid. A profile that is valid but differs from the registry is not broken
 * (`iapeer verify --fix` brings the registry up to date).
 */
export function profileProblem(peer: PeerRecord): string | undefined {
  const found = inspectProfile(peer.cwd);
  if (found.kind === "missing") return `its profile ${found.path} is missing`;
  if (found.kind === "broken") return `its profile is broken: ${found.reason}`;
  return undefined;
}

export function stateOf(
  host: Host,
  peer: PeerRecord,
  runtime: string,
  problem: string | undefined = profileProblem(peer),
): PeerRuntimeState {
  const id = makeIdentity(runtime, peer.personality);
  const identity = id.ok ? id.value.identity : `${runtime}-${peer.personality}`;
  const session = getSession(host.store, identity);
  const now = nowOf(host).getTime();
  const live = isLive(session);
  const failed = peer.failedUntil !== undefined && Date.parse(peer.failedUntil) > now;
  const state: PeerState = problem
    ? "broken"
    : peer.stopped
      ? "stopped"
      : peer.profile.wake === "always-on"
        ? "always-on"
        : live
          ? "live"
          : failed
            ? "failed"
            : "asleep";
  let activity: number | undefined;
  try {
    activity = statSync(peerLog(host.layout, identity)).mtimeMs;
  } catch {
    activity = undefined;
  }
  const agent = live ? getAgentState(host.store, identity) : undefined;
  const lastActive = Math.max(activity ?? 0, Date.parse(session?.lastActiveAt ?? "") || 0);
  return {
    personality: peer.personality,
    runtime,
    identity,
    default: runtime === peer.profile.defaultRuntime,
    state,
    ...(live && session.panePid !== undefined && { pid: session.panePid }),
    ...(live &&
      session.startedAt && { uptime_s: Math.round((now - Date.parse(session.startedAt)) / 1000) }),
    ...(lastActive > 0 && { last_activity: new Date(lastActive).toISOString() }),
    ...(failed && { failed_until: peer.failedUntil }),
    cwd: peer.cwd,
    ...(problem && { problem }),
    ...(agent && {
      agent: {
        state: agent.state,
        source: agent.source,
        since: agent.since,
        ...(agent.dialog && { question: agent.dialog.question }),
        ...(agent.error && { error: agent.error }),
        ...(agent.resetAt && { reset_at: agent.resetAt }),
      },
    }),
  };
}

export function allStates(host: Host): PeerRuntimeState[] {
  return listPeers(host.store).flatMap((peer) => {
    const problem = profileProblem(peer);
    return peer.profile.runtimes.map((rt) => stateOf(host, peer, rt, problem));
  });
}
