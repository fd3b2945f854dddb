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
import { Tmux } from "../tmux/client";
import { type Host, nowOf } from "./context";
import { listSessions, markAsleep } from "./sessions";
import { isLive, type WakeResult, wakeOrSpawn } from "./wake";

/**
 * Kill every live session of a peer on iapeer's own initiative. The exit hook is removed first,
 * so this is not a death: it goes to lifecycle.log with its reason.
 */
export function endSessions(
  host: Host,
  personality: string,
  reason: "stop" | "restart" | "remove" | "idle",
  opts: { resume?: boolean; identity?: string } = {},
): string[] {
  const resume = opts.resume ?? false;
  const ended: string[] = [];
  const mine = listSessions(host.store).filter(
    (row) =>
      row.personality === personality &&
      (opts.identity === undefined || row.identity === opts.identity),
  );
  for (const s of mine) {
    if (s.state !== "live") continue;
    const wasLive = isLive(s);
    if (wasLive) stopSession(new Tmux(s.socket));
    host.store.write(() => markAsleep(host.store, s.identity, resume, nowOf(host)));
    if (wasLive) {
      host.events.write(reason === "idle" ? "sleep" : "stop", { identity: s.identity, reason });
      ended.push(s.identity);
    }
  }
  return ended;
}

export function stopPeer(host: Host, personality: string): Result<string[]> {
  if (!getPeer(host.store, personality))
    return fail(`no peer named ${personality}; see \`iapeer list\``);
  const ended = endSessions(host, personality, "stop");
  host.store.write(() => setStopped(host.store, personality, true));
  return ok(ended);
}

/** Clear the stopped mark and the crash-loop guard, then wake the peer. */
export async function startPeer(
  host: Host,
  personality: string,
  runtime?: string,
): Promise<WakeResult> {
  if (!getPeer(host.store, personality))
    return { ok: false, refusal: "unknown-peer", error: `no peer named ${personality}` };
  host.store.write(() => {
    setStopped(host.store, personality, false);
    setFailed(host.store, personality, undefined, 0);
  });
  host.events.write("start", { peer: personality });
  return wakeOrSpawn(host, personality, runtime ? { runtime } : {});
}

/** A fresh start now. */
export async function restartPeer(
  host: Host,
  personality: string,
  runtime?: string,
): Promise<WakeResult> {
  if (!getPeer(host.store, personality))
    return { ok: false, refusal: "unknown-peer", error: `no peer named ${personality}` };
  endSessions(host, personality, "restart");
  host.store.write(() => {
    setStopped(host.store, personality, false);
    setFailed(host.store, personality, undefined, 0);
  });
  return wakeOrSpawn(host, personality, { reason: "restart", ...(runtime && { runtime }) });
}

/**
 * Stop it, drop it from the registry, leave its folder (the profile is set aside, not deleted).
 * An always-on peer's service is uninstalled first, or its manager would start it again.
 */
export function removePeer(
  host: Host,
  personality: string,
  uninstall?: (peer: PeerRecord) => Result<unknown>,
): Result<{ cwd: string; ended: string[] }> {
  const peer = getPeer(host.store, personality);
  if (!peer) return fail(`no peer named ${personality}; see \`iapeer list\``);
  if (peer.profile.wake === "always-on" && uninstall) {
    const removed = uninstall(peer);
    if (!removed.ok)
      return fail(`cannot uninstall the service of ${personality}: ${removed.error}`);
  }
  const ended = endSessions(host, personality, "remove");
  host.store.write(() => deleteProjection(host.store, personality));
  retireProfile(peer.cwd, nowOf(host));
  host.events.write("remove", { peer: personality, cwd: peer.cwd });
  return ok({ cwd: peer.cwd, ended });
}
