import type { Host } from "../lifecycle/context";
import { allStates, type PeerRuntimeState } from "../lifecycle/state";
import type { Directory } from "./directory";
import { unreachable } from "./directory-sync";

/** A row of `list --all`: this host's peers as `list` shows them, the others from the directory. */
export type MeshRow =
  | (PeerRuntimeState & { host: string })
  | {
      host: string;
      personality: string;
      /** The default runtime; `runtimes` has them all. */
      runtime: string;
      runtimes: string[];
      /** What its host last said, or `unreachable` when the host stopped saying it. */
      state: string;
      description?: string;
      last_seen: string;
    };

export interface MeshFleet {
  rows: MeshRow[];
  /** `off`: no mesh; `down`: the mesh is configured but not reachable, only this host is shown. */
  mesh: "up" | "down" | "off";
}

export async function meshFleet(
  host: Host,
  directory: Directory | undefined,
  now = new Date(),
): Promise<MeshFleet> {
  const here = host.config.host ?? "localhost";
  const local: MeshRow[] = allStates(host).map((s) => ({ host: here, ...s }));
  if (!host.config.mesh) return { rows: local, mesh: "off" };
  const listed = directory ? await directory.list() : undefined;
  if (!listed?.ok) return { rows: local, mesh: "down" };
  const remote: MeshRow[] = listed.value.entries
    .filter((e) => e.host !== here)
    .map((e) => ({
      host: e.host,
      personality: e.personality,
      runtime: e.runtimes[0] ?? "",
      runtimes: e.runtimes,
      state: unreachable(e, now) ? "unreachable" : e.state,
      ...(e.description !== undefined && { description: e.description }),
      last_seen: e.lastSeen,
    }));
  const rows = [...local, ...remote].sort(
    (a, b) => a.host.localeCompare(b.host) || a.personality.localeCompare(b.personality),
  );
  return { rows, mesh: "up" };
}
