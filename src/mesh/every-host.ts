import type { Host } from "../home/host";
import { allStates, type PeerRuntimeState } from "../lifecycle/state";
import type { Directory } from "./directory";
import { unreachable } from "./directory-sync";

/** A row of `list --all`: this host's peers as `list` shows them, the others from the directory. */
/** Another host's peer, as its host last told the directory. */
interface RemoteRow {
  host: string;
  personality: string;
  /** The default runtime; `runtimes` has them all. */
  runtime: string;
  runtimes: string[];
  /** What its host last said, or `unreachable` when the host stopped saying it. */
  state: string;
  description?: string;
  last_seen: string;
}

type MeshRow = (PeerRuntimeState & { host: string }) | RemoteRow;

export interface MeshFleet {
  rows: MeshRow[];
  /** `off`: no mesh; `down`: the mesh is configured but not reachable, only this host is shown. */
  mesh: "up" | "down" | "off";
}

/** Other hosts' peers from the directory; undefined when the directory cannot be read. */
export async function remoteRows(
  here: string,
  directory: Directory | undefined,
  now = new Date(),
): Promise<RemoteRow[] | undefined> {
  const listed = directory ? await directory.list() : undefined;
  if (!listed?.ok) return undefined;
  return listed.value.entries
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
}

export async function meshFleet(
  host: Host,
  directory: Directory | undefined,
  now = new Date(),
): Promise<MeshFleet> {
  const here = host.config.host ?? "localhost";
  const local: MeshRow[] = allStates(host).map((s) => ({ host: here, ...s }));
  if (!host.config.mesh) return { rows: local, mesh: "off" };
  const remote = await remoteRows(here, directory, now);
  if (!remote) return { rows: local, mesh: "down" };
  const rows = [...local, ...remote].sort(
    (a, b) => a.host.localeCompare(b.host) || a.personality.localeCompare(b.personality),
  );
  return { rows, mesh: "up" };
}
