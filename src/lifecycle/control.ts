import { fail, ok, type Result } from "../core/result";
import { stopSession } from "../launch/stop";
import { retireProfile } from "../registry/create";
import {
  deleteProjection,
  getPeer,
  type PeerRecord,
  setFailed,
  setStopped,
} from "../registry/registry";
import { adapterFor } from "../runtimes/registry";
import { Tmux } from "../tmux/client";
import { type Host, nowOf } from "./context";
import { withPeerLock } from "./peer-lock";
import { getSession, listSessions, markAsleep } from "./sessions";
import { isLive, type WakeResult, wakeOrSpawn } from "./wake";

/** Ending a session waits at most this long for a wake of it to finish. */
const END_LOCK_MS = 90_000;

/**
 * Kill one live session on iapeer's own initiative, holding its wake lock so a wake in flight
 * finishes first. The exit hook is removed first, so this is not a death: it goes to
 * lifecycle.log with its reason. Returns whether a live session was ended.
 */
export async function endSession(
  host: Host,
  identity: string,
  reason: "stop" | "restart" | "remove" | "idle",
  resume = false,
): Promise<boolean> {
  const locked = await withPeerLock(host, identity, END_LOCK_MS, async () => {
    const s = getSession(host.store, identity);
    if (s?.state !== "live") return false;
    const wasLive = isLive(s);
    if (wasLive) stopSession(new Tmux(s.socket));
    host.store.write(() => markAsleep(host.store, identity, resume, nowOf(host)));
    if (wasLive) host.events.write(reason === "idle" ? "sleep" : "stop", { identity, reason });
    return wasLive;
  });
  return locked.ok && locked.value;
}

/** End every live session of a peer; the identities that were live. */
export async function endSessions(
  host: Host,
  personality: string,
  reason: "stop" | "restart" | "remove",
): Promise<string[]> {
  const ended: string[] = [];
  for (const s of listSessions(host.store).filter(
    (row) => row.personality === personality && row.state === "live",
  )) {
    if (await endSession(host, s.identity, reason)) ended.push(s.identity);
  }
  return ended;
}

export async function stopPeer(host: Host, personality: string): Promise<Result<string[]>> {
  if (!getPeer(host.store, personality))
    return fail(`no peer named ${personality}; see \`iapeer list\``);
  // Marked first, so a wake that starts meanwhile is refused.
  host.store.write(() => setStopped(host.store, personality, true));
  return ok(await endSessions(host, personality, "stop"));
}

/** The refusal for a runtime the peer does not have, before anything is changed. */
function runtimeRefusal(
  peer: PeerRecord | undefined,
  name: string,
  runtime?: string,
): WakeResult | undefined {
  if (!peer) return { ok: false, refusal: "unknown-peer", error: `no peer named ${name}` };
  if (
    runtime !== undefined &&
    (!peer.profile.runtimes.includes(runtime) || !adapterFor(runtime).ok)
  ) {
    return {
      ok: false,
      refusal: "unknown-runtime",
      error: `peer ${name} has no ${runtime} runtime (it has ${peer.profile.runtimes.join(", ")})`,
    };
  }
  return undefined;
}

/** Clear the stopped mark and the crash-loop guard, then wake the peer. */
export async function startPeer(
  host: Host,
  personality: string,
  runtime?: string,
): Promise<WakeResult> {
  const refused = runtimeRefusal(getPeer(host.store, personality), personality, runtime);
  if (refused) return refused;
  host.store.write(() => {
    setStopped(host.store, personality, false);
    setFailed(host.store, personality, undefined, 0);
  });
  host.events.write("start", { peer: personality });
  return wakeOrSpawn(host, personality, runtime ? { runtime } : {});
}

/** A fresh start now, of one runtime (the default one unless named). */
export async function restartPeer(
  host: Host,
  personality: string,
  runtime?: string,
): Promise<WakeResult> {
  const peer = getPeer(host.store, personality);
  const refused = runtimeRefusal(peer, personality, runtime);
  if (refused || !peer) return refused as WakeResult;
  const rt = runtime ?? peer.profile.defaultRuntime;
  await endSession(host, `${rt}-${personality}`, "restart");
  host.store.write(() => {
    setStopped(host.store, personality, false);
    setFailed(host.store, personality, undefined, 0);
  });
  return wakeOrSpawn(host, personality, { reason: "restart", runtime: rt });
}

/**
 * Stop it, drop it from the registry, leave its folder (the profile is set aside, not deleted).
 * An always-on peer's service is uninstalled first, or its manager would start it again.
 */
export async function removePeer(
  host: Host,
  personality: string,
  uninstall?: (peer: PeerRecord) => Result<unknown>,
): Promise<Result<{ cwd: string; ended: string[] }>> {
  const peer = getPeer(host.store, personality);
  if (!peer) return fail(`no peer named ${personality}; see \`iapeer list\``);
  if (peer.profile.wake === "always-on" && uninstall) {
    const removed = uninstall(peer);
    if (!removed.ok)
      return fail(`cannot uninstall the service of ${personality}: ${removed.error}`);
  }
  host.store.write(() => setStopped(host.store, personality, true));
  const ended = await endSessions(host, personality, "remove");
  host.store.write(() => deleteProjection(host.store, personality));
  retireProfile(peer.cwd, nowOf(host));
  host.events.write("remove", { peer: personality, cwd: peer.cwd });
  return ok({ cwd: peer.cwd, ended });
}
