import { makeIdentity } from "../core/names";
import { fail, ok, type Result } from "../core/result";
import type { Host } from "../home/host";
import { restartPeer } from "../lifecycle/control";
import { getSession } from "../lifecycle/sessions";
import { isLive, type WakeResult } from "../lifecycle/wake";
import type { PeerRecord } from "../registry/registry";
import { getPeer } from "../registry/registry";
import { adapterFor } from "../runtimes/registry";
import { type InstallReport, installService, restartService, uninstallService } from "./manager";
import type { CommandRunner } from "./runner";
import { daemonSpec, peerSpec, type ServiceSpec } from "./spec";

/** The service spec of a peer's default runtime, or of the daemon. */
export function specFor(host: Host, peer?: PeerRecord): Result<ServiceSpec> {
  if (!peer) return ok(daemonSpec(host.config, host.layout, host.iapeer));
  const runtime = peer.profile.defaultRuntime;
  const id = makeIdentity(runtime, peer.personality);
  if (!id.ok) return id;
  return ok(
    peerSpec(host.config, host.layout, host.iapeer, {
      identity: id.value.identity,
      personality: peer.personality,
      runtime,
      cwd: peer.cwd,
    }),
  );
}

export function installPeerService(
  host: Host,
  peer: PeerRecord,
  run: CommandRunner,
): Result<InstallReport> {
  if (peer.profile.wake !== "always-on") return fail(`peer ${peer.personality} is not always-on`);
  const spec = specFor(host, peer);
  if (!spec.ok) return spec;
  const installed = installService(host.config, spec.value, run);
  if (installed.ok)
    host.events.write("service-install", {
      peer: peer.personality,
      path: installed.value.path,
      changed: installed.value.changed,
    });
  else
    host.events.write("service-install-failed", { peer: peer.personality, error: installed.error });
  return installed;
}

export function uninstallPeerService(
  host: Host,
  peer: PeerRecord,
  run: CommandRunner,
): Result<boolean> {
  const spec = specFor(host, peer);
  if (!spec.ok) return spec;
  const removed = uninstallService(host.config, spec.value, run);
  if (!removed.ok) return removed;
  if (removed.value.removed)
    host.events.write("service-uninstall", { peer: peer.personality, path: removed.value.path });
  return ok(removed.value.removed);
}

/**
 * `restart` of any peer. An always-on peer's session belongs to its service manager: killing
 * it ourselves would leave it down for the manager's throttle (or for good under `none`), so
 * the manager is asked to restart the service, and the new session is waited for.
 */
export async function restartAnyPeer(
  host: Host,
  personality: string,
  runtime: string | undefined,
  run: CommandRunner,
): Promise<WakeResult> {
  const peer = getPeer(host.store, personality);
  if (peer?.profile.wake !== "always-on") return restartPeer(host, personality, runtime);
  const fail = (error: string): WakeResult => ({ ok: false, refusal: "always-on", error });
  const rt = peer.profile.defaultRuntime;
  if (runtime !== undefined && runtime !== rt)
    return fail(`peer ${personality} is always-on with its ${rt} runtime; only that one runs`);
  if (peer.stopped)
    return fail(`peer ${personality} is stopped; \`iapeer start ${personality}\` first`);
  const spec = specFor(host, peer);
  if (!spec.ok) return fail(spec.error);
  const identity = spec.value.name;
  const before = getSession(host.store, identity);
  const t = performance.now();
  const told = restartService(host.config, spec.value, run);
  if (!told.ok) return fail(`cannot restart always-on peer ${personality}: ${told.error}`);
  host.events.write("service-restart", { peer: personality, identity });
  const adapter = adapterFor(rt);
  const waitMs = (adapter.ok ? adapter.value.bootTimeoutMs : 60_000) + 15_000;
  for (const deadline = Date.now() + waitMs; Date.now() < deadline; ) {
    const s = getSession(host.store, identity);
    if (isLive(s) && s.serverPid !== before?.serverPid)
      return {
        ok: true,
        woke: true,
        session: s,
        mode: "fresh",
        readyMs: Math.round(performance.now() - t),
      };
    await Bun.sleep(100);
  }
  return fail(
    `its service manager was told to restart ${identity}, but no new session came up in ${Math.round(waitMs / 1000)} s; see \`iapeer service status --peer ${personality}\``,
  );
}
