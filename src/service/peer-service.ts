import { makeIdentity } from "../core/names";
import { fail, ok, type Result } from "../core/result";
import type { Host } from "../lifecycle/context";
import type { PeerRecord } from "../registry/registry";
import { type InstallReport, installService, uninstallService } from "./manager";
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
