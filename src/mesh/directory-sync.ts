import type { Host } from "../home/host";
import { allStates, type PeerRuntimeState } from "../lifecycle/state";
import { listPeers } from "../registry/registry";
import type { DirectoryEntry } from "./directory";
import type { MeshLink } from "./link";

/**
 * Keeps this host's part of the mesh's directory current: each local peer as one entry, written
 * when what it says changes (looked at every `lookMs`) and again every `heartbeatMs`, so an entry
 * that stops being renewed tells the others the host is gone. A removed peer's entry is deleted.
 */

const HEARTBEAT_MS = 30_000;
/** An entry not renewed for this many heartbeats is a host that no longer answers. */
const UNREACHABLE_AFTER_BEATS = 3;

/** One entry per peer: its runtimes, and the state of its default runtime. */
function entriesOf(
  hostName: string,
  states: PeerRuntimeState[],
  descriptions: ReadonlyMap<string, string>,
  now: Date,
): DirectoryEntry[] {
  const byPeer = new Map<string, PeerRuntimeState[]>();
  for (const s of states) byPeer.set(s.personality, [...(byPeer.get(s.personality) ?? []), s]);
  return [...byPeer.values()].map((rows) => {
    const main = rows.find((r) => r.default) ?? (rows[0] as PeerRuntimeState);
    const description = descriptions.get(main.personality);
    return {
      host: hostName,
      personality: main.personality,
      runtimes: rows.map((r) => r.runtime),
      state: main.state,
      ...(description !== undefined && { description }),
      lastSeen: now.toISOString(),
    };
  });
}

/** Whether an entry's host has stopped renewing it. */
export function unreachable(entry: DirectoryEntry, now: Date, heartbeatMs = HEARTBEAT_MS): boolean {
  return now.getTime() - Date.parse(entry.lastSeen) > UNREACHABLE_AFTER_BEATS * heartbeatMs;
}

const said = (e: DirectoryEntry): string => JSON.stringify({ ...e, lastSeen: undefined });

export interface DirectorySync {
  stop(): Promise<void>;
}

export function startDirectorySync(
  host: Host,
  link: MeshLink,
  hostName: string,
  opts: { heartbeatMs?: number; lookMs?: number } = {},
): DirectorySync {
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
  const lookMs = opts.lookMs ?? 2_000;
  /** What the directory was last told of each local peer, and when. */
  const told = new Map<string, { text: string; at: number }>();
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const pass = async (full: boolean) => {
    const dir = link.directory();
    if (!dir || link.state() !== "up") return;
    const now = new Date();
    const descriptions = new Map(
      listPeers(host.store).flatMap((p) =>
        p.profile.description === undefined ? [] : [[p.personality, p.profile.description]],
      ),
    );
    const entries = entriesOf(hostName, allStates(host), descriptions, now);
    for (const e of entries) {
      const last = told.get(e.personality);
      if (!full && last?.text === said(e) && now.getTime() - last.at < heartbeatMs) continue;
      const put = await dir.put(e);
      if (put.ok) told.set(e.personality, { text: said(e), at: now.getTime() });
      else host.events.write("mesh-directory-failed", { error: put.error });
    }
    if (!full) return;
    // Entries of this host for peers it no longer has (removed, or while the link was down).
    const listed = await dir.list();
    if (!listed.ok) return;
    const here = new Set(entries.map((e) => e.personality));
    for (const e of listed.value.entries) {
      if (e.host !== hostName || here.has(e.personality)) continue;
      const removed = await dir.remove(hostName, e.personality);
      if (removed.ok) told.delete(e.personality);
    }
  };
  const schedule = (full: boolean) => {
    running = running.then(() => (stopped ? undefined : pass(full))).catch(() => undefined);
  };

  link.onUp(() => {
    told.clear();
    schedule(true);
  });
  schedule(true);
  const look = setInterval(() => schedule(false), lookMs);
  const beat = setInterval(() => schedule(true), heartbeatMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(look);
      clearInterval(beat);
      await running;
    },
  };
}
