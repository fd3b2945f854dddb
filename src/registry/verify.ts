import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Host } from "../lifecycle/context";
import type { Store } from "../store/db";
import { type Profile, profilePath, readProfile } from "./profile";
import { deleteProjection, listPeers, projectProfile } from "./registry";

export interface RegistryProblem {
  peer?: string;
  folder: string;
  problem: string;
}

export interface VerifyReport {
  ok: boolean;
  peers: number;
  problems: RegistryProblem[];
  fixed: boolean;
}

/** Every profile iapeer can find: the registered folders, and every folder under peers/. */
function findProfiles(
  host: Host,
  registered: string[],
): { found: Map<string, Profile>; problems: RegistryProblem[] } {
  const folders = new Set(registered);
  if (existsSync(host.layout.peersDir)) {
    for (const entry of readdirSync(host.layout.peersDir, { withFileTypes: true })) {
      const folder = join(host.layout.peersDir, entry.name);
      if (entry.isDirectory() && existsSync(profilePath(folder))) folders.add(folder);
    }
  }
  const found = new Map<string, Profile>();
  const byName = new Map<string, string>();
  const problems: RegistryProblem[] = [];
  for (const folder of folders) {
    const profile = readProfile(folder);
    if (!profile.ok) {
      problems.push({ folder, problem: profile.error });
      continue;
    }
    const other = byName.get(profile.value.personality);
    if (other) {
      problems.push({
        peer: profile.value.personality,
        folder,
        problem: `the name ${profile.value.personality} is also claimed by ${other}`,
      });
      continue;
    }
    byName.set(profile.value.personality, folder);
    found.set(folder, profile.value);
  }
  return { found, problems };
}

/**
 * Compare the registry with the profiles it projects. With `fix`, rebuild it from them: rows
 * without a valid profile go, profiles found go in, stale rows are rewritten.
 */
export function verifyRegistry(host: Host, fix: boolean): VerifyReport {
  const store: Store = host.store;
  const rows = listPeers(store);
  const { found, problems } = findProfiles(
    host,
    rows.map((r) => r.cwd),
  );
  for (const row of rows) {
    const profile = found.get(row.cwd);
    if (!profile) {
      if (!problems.some((p) => p.folder === row.cwd))
        problems.push({
          peer: row.personality,
          folder: row.cwd,
          problem: "registered, but its profile is missing",
        });
    } else if (profile.personality !== row.personality) {
      problems.push({
        peer: row.personality,
        folder: row.cwd,
        problem: `its profile now names ${profile.personality}`,
      });
    } else if (JSON.stringify(profile) !== JSON.stringify(row.profile)) {
      problems.push({
        peer: row.personality,
        folder: row.cwd,
        problem: "the registry is out of date with the profile",
      });
    }
  }
  const registered = new Set(rows.map((r) => r.cwd));
  for (const [folder, profile] of found) {
    if (!registered.has(folder))
      problems.push({
        peer: profile.personality,
        folder,
        problem: "has a profile but is not registered",
      });
  }
  if (fix && problems.length > 0) {
    store.write(() => {
      for (const row of rows) {
        const profile = found.get(row.cwd);
        if (!profile || profile.personality !== row.personality)
          deleteProjection(store, row.personality);
      }
      for (const [folder, profile] of found) projectProfile(store, folder, profile);
    });
    host.events.write("registry-rebuilt", { problems: problems.length, peers: found.size });
  }
  return {
    ok: problems.length === 0,
    peers: fix ? found.size : rows.length,
    problems,
    fixed: fix && problems.length > 0,
  };
}
