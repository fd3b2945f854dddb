import { existsSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { parseIdentity } from "../core/names";
import { normalizeName } from "../core/normalize-name";
import { fail, ok, type Result } from "../core/result";
import type { Host } from "../home/host";
import type { Store } from "../store/db";
import { readFolderIndex, writeFolderIndex } from "./folder-index";
import { connectMcp } from "./mcp-connect";
import {
  DEFAULT_INTELLIGENCE,
  inspectProfile,
  PROFILE_VERSION,
  type Profile,
  type ProfileOnDisk,
  profilePath,
} from "./profile";
import { deleteProjection, listPeers, type PeerRecord, projectProfile } from "./registry";

interface RegistryProblem {
  peer?: string;
  folder: string;
  problem: string;
  /** Its profile is there but unusable: the peer is kept, and only a person can fix it. */
  broken?: true;
}

export interface VerifyReport {
  ok: boolean;
  peers: number;
  problems: RegistryProblem[];
  fixed: boolean;
  /** Profiles that are broken: `verify --fix` keeps them and still fails. */
  broken: number;
}

interface VerifyOptions {
  /** Identities whose session runs now, found from their sockets. */
  running?: readonly string[];
  /** The folder of each running session: asked only when a broken profile needs a name. */
  sessionFolders?: () => Map<string, string>;
}

/** Every folder under peers/ that holds a profile, usable or not. */
function peersDirFolders(host: Host): string[] {
  if (!existsSync(host.layout.peersDir)) return [];
  return readdirSync(host.layout.peersDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => join(host.layout.peersDir, e.name))
    .filter((folder) => existsSync(profilePath(folder)));
}

/** What the registry would hold for a broken profile that has no row: enough to be listed. */
function placeholder(personality: string, runtimes: string[]): Profile {
  const first = runtimes[0] as string;
  return {
    version: PROFILE_VERSION,
    personality,
    runtimes,
    defaultRuntime: first,
    description: "",
    intelligence: DEFAULT_INTELLIGENCE[first] ?? "artificial",
    wake: "on-demand",
    settings: {},
  };
}

const personalityOf = (identity: string): string | undefined => {
  const id = parseIdentity(identity);
  return id.ok ? id.value.personality : undefined;
};
const runtimeOf = (identity: string): string => identity.slice(0, identity.indexOf("-"));

/**
 * Compare the registry with what the disk says: the profiles in the registered folders, the
 * folder index and `peers/`, and the sessions that run. With `fix`, rebuild it from them:
 * usable profiles go in (stale rows rewritten), rows whose profile is gone go, and the folder
 * index is rewritten. A broken profile is never dropped: its row is kept as it was (or made
 * from what the file and its running sessions still tell), and it is reported as broken.
 */
export function verifyRegistry(host: Host, fix: boolean, opts: VerifyOptions = {}): VerifyReport {
  const store: Store = host.store;
  const rows = listPeers(store);
  const problems: RegistryProblem[] = [];
  const index = readFolderIndex(host.layout);
  if (!index.ok) problems.push({ folder: host.layout.stateDir, problem: index.error });
  const indexed = new Set(index.ok ? index.value : []);
  const rowAt = new Map(rows.map((r) => [r.cwd, r]));
  // Registered folders first, so a registered peer keeps its name over a copy elsewhere.
  const folders = [
    ...new Set([
      ...rows.map((r) => r.cwd).sort(),
      ...[...indexed, ...peersDirFolders(host)].sort(),
    ]),
  ];
  const disk = new Map<string, ProfileOnDisk>(folders.map((f) => [f, inspectProfile(f)]));
  const running = new Set(opts.running ?? []);
  const runs = (personality: string) =>
    [...running].filter((id) => personalityOf(id) === personality);

  /** The rows the registry ends with, by name: kept, rewritten or new. */
  const final = new Map<string, { folder: string; profile: Profile; row?: PeerRecord }>();
  /** Broken profiles, kept in the index whether or not they can be registered. */
  const brokenFolders = new Set<string>();
  const broken = (peer: string | undefined, folder: string, problem: string) => {
    problems.push({ ...(peer && { peer }), folder, problem, broken: true });
    brokenFolders.add(folder);
  };

  // 1. Registered peers whose profile is broken, or gone while a session of theirs runs: kept.
  for (const row of rows) {
    const found = disk.get(row.cwd);
    if (found?.kind === "broken") {
      broken(row.personality, row.cwd, `its profile is broken: ${found.reason}`);
      final.set(row.personality, { folder: row.cwd, profile: row.profile, row });
    } else if (found?.kind === "missing" && runs(row.personality).length > 0) {
      broken(
        row.personality,
        row.cwd,
        `its profile ${found.path} is missing, and its session runs`,
      );
      final.set(row.personality, { folder: row.cwd, profile: row.profile, row });
    }
  }
  // 2. Usable profiles: registered, rewritten, or refused when the name is taken.
  for (const folder of folders) {
    const found = disk.get(folder);
    if (found?.kind !== "ok") continue;
    const name = found.profile.personality;
    const row = rowAt.get(folder);
    const holder = final.get(name);
    if (holder) {
      problems.push({
        peer: name,
        folder,
        problem: `the name ${name} is also claimed by ${holder.folder}`,
      });
      continue;
    }
    final.set(name, { folder, profile: found.profile, ...(row && { row }) });
    if (!row) problems.push({ peer: name, folder, problem: "has a profile but is not registered" });
    else if (row.personality !== name)
      problems.push({ peer: row.personality, folder, problem: `its profile now names ${name}` });
    else if (JSON.stringify(found.profile) !== JSON.stringify(row.profile))
      problems.push({
        peer: name,
        folder,
        problem: "the registry is out of date with the profile",
      });
  }
  // 3. Registered peers whose profile is gone (and nothing runs), or went to another folder.
  for (const row of rows) {
    if (final.get(row.personality)?.folder === row.cwd) continue;
    const found = disk.get(row.cwd);
    if (found?.kind === "missing")
      problems.push({
        peer: row.personality,
        folder: row.cwd,
        problem: "registered, but its profile is missing",
      });
  }
  // 4. Broken profiles nobody registered (the database was lost): named from its sessions or
  // what the file still says, and registered with what can be told, so it stays listed.
  let sessionFolders: Map<string, string> | undefined;
  for (const folder of folders) {
    const found = disk.get(folder);
    if (found?.kind !== "broken" || rowAt.has(folder)) continue;
    sessionFolders ??= opts.sessionFolders?.() ?? new Map();
    const here = [...sessionFolders].filter(([, f]) => f === folder).map(([id]) => id);
    const derived = normalizeName(basename(folder));
    const name =
      (here[0] && personalityOf(here[0])) ??
      found.guess.personality ??
      (typeof derived === "string" ? derived : derived.ok ? derived.value : undefined);
    broken(name, folder, `its profile is broken: ${found.reason}`);
    if (!name || final.has(name) || rows.some((r) => r.personality === name)) continue;
    const runtimes = [
      ...new Set([
        ...here.filter((id) => personalityOf(id) === name).map(runtimeOf),
        ...runs(name).map(runtimeOf),
        ...found.guess.runtimes,
      ]),
    ];
    if (runtimes.length > 0) final.set(name, { folder, profile: placeholder(name, runtimes) });
  }
  // 5. The folder index: every registered or broken folder, and nothing else.
  const wanted = new Set([...[...final.values()].map((p) => p.folder), ...brokenFolders]);
  for (const folder of wanted)
    if (!indexed.has(folder)) problems.push({ folder, problem: "is not in the folder index" });
  for (const folder of indexed)
    if (!wanted.has(folder) && !rowAt.has(folder))
      problems.push({ folder, problem: "is in the folder index, but holds no profile" });

  const dedup = new Map(problems.map((p) => [`${p.folder}\0${p.problem}`, p]));
  const sorted = [...dedup.values()].sort(
    (a, b) => (a.peer ?? "").localeCompare(b.peer ?? "") || a.folder.localeCompare(b.folder),
  );
  let fixed = false;
  if (fix && sorted.some((p) => !p.broken || !rowAt.has(p.folder))) {
    const rebuilt = rebuild(host, rows, final, wanted);
    if (rebuilt.ok) {
      fixed = true;
      host.events.write("registry-rebuilt", {
        problems: sorted.length,
        peers: final.size,
        broken: brokenFolders.size,
      });
    } else sorted.push({ folder: host.layout.stateDir, problem: rebuilt.error });
  }
  return {
    ok: sorted.length === 0,
    peers: fixed ? final.size : rows.length,
    problems: sorted,
    fixed,
    broken: brokenFolders.size,
  };
}

class IndexNotWritten extends Error {}

/** Make the registry and the folder index what verify found they should be, in one transaction. */
function rebuild(
  host: Host,
  rows: PeerRecord[],
  final: Map<string, { folder: string; profile: Profile; row?: PeerRecord }>,
  index: Set<string>,
): Result<void> {
  const store = host.store;
  const fresh: { folder: string; profile: Profile }[] = [];
  try {
    store.write(() => {
      for (const row of rows) {
        const keep = final.get(row.personality);
        if (!keep || keep.folder !== row.cwd) deleteProjection(store, row.personality);
      }
      for (const [name, p] of final) {
        const same =
          p.row?.cwd === p.folder &&
          p.row.personality === name &&
          JSON.stringify(p.row.profile) === JSON.stringify(p.profile);
        if (same) continue;
        projectProfile(store, p.folder, p.profile);
        if (!store.db.query("SELECT 1 FROM peer_tokens WHERE personality = ?").get(name))
          fresh.push(p);
      }
      const written = writeFolderIndex(host.layout, index);
      if (!written.ok) throw new IndexNotWritten(written.error);
    });
  } catch (error) {
    if (error instanceof IndexNotWritten) return fail(error.message);
    throw error;
  }
  // A peer registered anew gets a token: the old one's hash went with the old registry.
  for (const p of fresh) connectMcp(host, p.folder, p.profile);
  return ok(undefined);
}
