import { parseAddress, resolveAddress } from "../core/address";
import { validatePersonality } from "../core/names";
import type { Result } from "../core/result";
import type { Host } from "../home/host";
import { getPeer } from "../registry/registry";

/**
 * What the mesh offers a send, when this daemon is in one: the directory of the other hosts'
 * peers, and a nudge to forward what was just stored.
 */
export interface MeshRoute {
  /** Every other host that has a peer of this name, per the directory. */
  hostsOf(personality: string): Promise<Result<string[]>>;
  /** Send what waits to be forwarded, now. */
  forward(): void;
  /** The link to the mesh is up: only then is a waiting sender's wait worth it. */
  up(): boolean;
}

type Target =
  | { kind: "local"; personality: string }
  | { kind: "remote"; personality: string; host: string }
  | { kind: "refused"; error: string; badInput: boolean };

/**
 * Where `to` is: this host's peer, or one of another host. `ana@mini2` is taken as written; a
 * bare name is this host's unless no local peer has it and the directory names exactly one
 * other host. A name no host has, or a bare name without the mesh, goes the local way (and is
 * refused there as an unknown peer, as before the mesh).
 */
export async function targetOf(host: Host, to: string, route?: MeshRoute): Promise<Target> {
  const thisHost = host.config.host;
  if (to.includes("@")) {
    const address = parseAddress(to);
    if (!address.ok)
      return { kind: "refused", error: `recipient: ${address.error}`, badInput: true };
    const { personality, host: at } = address.value;
    if (at === undefined || at === thisHost) return { kind: "local", personality };
    if (!host.config.mesh) {
      return {
        kind: "refused",
        error: `${to} is a peer of another host, and this host is in no mesh: set IAPEER_NATS_URL (see README "Several hosts")`,
        badInput: false,
      };
    }
    return { kind: "remote", personality, host: at };
  }
  if (!route || thisHost === undefined || !validatePersonality(to).ok || getPeer(host.store, to)) {
    return { kind: "local", personality: to };
  }
  const hosts = await route.hostsOf(to);
  if (!hosts.ok) {
    return {
      kind: "refused",
      error: `no peer named ${to} here, and the directory of the other hosts cannot be read: ${hosts.error}`,
      badInput: false,
    };
  }
  if (hosts.value.length === 0) return { kind: "local", personality: to };
  const resolved = resolveAddress(
    { personality: to },
    thisHost,
    () => false,
    () => hosts.value,
  );
  if (!resolved.ok) return { kind: "refused", error: resolved.error, badInput: false };
  return { kind: "remote", ...resolved.value };
}
