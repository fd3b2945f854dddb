import { fail, ok, type Result } from "../core/result";
import { type Host, nowOf } from "../home/host";
import { stopSession } from "../launch/stop";
import { retireProfile } from "../registry/create";
import { updateFolderIndex } from "../registry/folder-index";
import { deleteProjection, getPeer, type PeerRecord, setStopped } from "../registry/registry";
import { adapterFor } from "../runtimes/registry";
import { Tmux } from "../tmux/client";
import { adoptRunningSessions } from "./adopt";
import { cancelBoots } from "./booting";
import { resetCrashGuard } from "./crash-guard";
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
    if (wasLive) await stopSession(new Tmux(s.socket));
    host.store.write(() => markAsleep(host.store, identity, resume, nowOf(host)));
    if (wasLive) host.events.write(reason === "idle" ? "sleep" : "stop", { identity, reason });
    return wasLive;
  });
  return locked.ok && locked.value;
}

/** End every live session of a peer; the identities that were live. */
async function endSessions(
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
  // What runs is stopped, whether or not the database still knew it.
  adoptRunningSessions(host, personality);
  // Marked first, so a wake that starts meanwhile is refused.
  host.store.write(() => setStopped(host.store, personality, true));
  // A session still starting is not live yet: its boot is ended here, not at its deadline.
  const cancelled = cancelBoots(personality);
  const ended = await endSessions(host, personality, "stop");
  return ok([...new Set([...ended, ...cancelled])]);
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

/**
 * End the sessions of runtimes the peer no longer has (its runtime was switched by `set` or
 * `up`): they would run on unseen by list and status. The daemon does this before it acts on a
 * peer and in its passes. Returns the identities ended.
 */
export async function endDroppedRuntimes(host: Host, personality: string): Promise<string[]> {
  const peer = getPeer(host.store, personality);
  if (!peer) return [];
  const ended: string[] = [];
  for (const s of listSessions(host.store).filter(
    (row) =>
      row.personality === personality &&
      row.state === "live" &&
      !peer.profile.runtimes.includes(row.runtime),
  )) {
    if (await endSession(host, s.identity, "remove")) ended.push(s.identity);
  }
  return ended;
}

/** Clear the stopped mark and the crash-loop guard, then wake the peer. */
export async function startPeer(
  host: Host,
  personality: string,
  runtime?: string,
): Promise<WakeResult> {
  const refused = runtimeRefusal(getPeer(host.store, personality), personality, runtime);
  if (refused) return refused;
  adoptRunningSessions(host, personality);
  host.store.write(() => setStopped(host.store, personality, false));
  resetCrashGuard(host, personality);
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
  adoptRunningSessions(host, personality);
  await endSession(host, `${rt}-${personality}`, "restart");
  host.store.write(() => setStopped(host.store, personality, false));
  resetCrashGuard(host, personality);
  return wakeOrSpawn(host, personality, { reason: "restart", runtime: rt });
}

/** Removing a peer waits at most this long for another change to it (a removal) to finish. */
const REMOVE_LOCK_MS = 120_000;

/** The lock that serialises registry changes of one name: never an identity (no "-" in it). */
export const registryLock = (personality: string): string => `registry:${personality}`;

/**
 * Stop it, drop it from the registry, leave its folder (the profile is set aside, not deleted).
 * An always-on peer's service is uninstalled first, or its manager would start it again.
 * One removal of a name at a time, across processes; the row, the profile and the folder index
 * go in one transaction, and only a removal that dropped the row reports success.
 */
export async function removePeer(
  host: Host,
  personality: string,
  uninstall?: (peer: PeerRecord) => Result<unknown>,
): Promise<Result<{ cwd: string; ended: string[] }>> {
  const locked = await withPeerLock(
    host,
    registryLock(personality),
    REMOVE_LOCK_MS,
    async (): Promise<Result<{ cwd: string; ended: string[] }>> => {
      const peer = getPeer(host.store, personality);
      if (!peer) return fail(`no peer named ${personality}; see \`iapeer list\``);
      adoptRunningSessions(host, personality);
      if (peer.profile.wake === "always-on" && uninstall) {
        const removed = uninstall(peer);
        if (!removed.ok)
          return fail(`cannot uninstall the service of ${personality}: ${removed.error}`);
      }
      host.store.write(() => setStopped(host.store, personality, true));
      const ended = await endSessions(host, personality, "remove");
      const dropped = dropFromRegistry(host, peer);
      if (!dropped.ok) return dropped;
      host.events.write("remove", { peer: personality, cwd: peer.cwd });
      return ok({ cwd: peer.cwd, ended });
    },
  );
  if (!locked.ok)
    return fail(`another removal of ${personality} is still running; try again shortly`);
  return locked.value;
}

/** Thrown inside a transaction to roll it back with a reason. */
class Rollback extends Error {}

/** The row, the folder index line and the profile go together, or nothing does. */
function dropFromRegistry(host: Host, peer: PeerRecord): Result<void> {
  try {
    host.store.write(() => {
      if (getPeer(host.store, peer.personality)?.cwd !== peer.cwd)
        throw new Rollback(
          `${peer.personality} changed while it was being removed; see \`iapeer list\``,
        );
      deleteProjection(host.store, peer.personality);
      const indexed = updateFolderIndex(host.layout, { remove: peer.cwd });
      if (!indexed.ok) throw new Rollback(indexed.error);
      try {
        retireProfile(peer.cwd, peer.personality, nowOf(host));
      } catch (error) {
        updateFolderIndex(host.layout, { add: peer.cwd });
        throw new Rollback(`cannot set its profile aside: ${(error as Error).message}`);
      }
    });
    return ok(undefined);
  } catch (error) {
    if (error instanceof Rollback) return fail(error.message);
    throw error;
  }
}
