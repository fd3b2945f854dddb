import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { BUILTIN_RUNTIMES, isBuiltinRuntime } from "../core/names";
import { controlCharProblem } from "../core/one-line";
import { peerDir } from "../core/paths";
import { validatePatterns } from "../core/peer-pattern";
import type { Host } from "../home/host";
import { profileChanges } from "../lifecycle/update";
import { type Assignment, applyAssignments } from "../registry/assign";
import { reservedName } from "../registry/create";
import {
  DEFAULT_INTELLIGENCE,
  inspectProfile,
  PROFILE_VERSION,
  type Profile,
  profilePath,
} from "../registry/profile";
import { getPeer, peerAt } from "../registry/registry";
import { RUNTIME_KEYS, setRuntimeKey } from "../registry/settings-keys";
import { otherFleetOf } from "./members";
import { type FleetEntry, FleetError, type FleetFile, lineOf } from "./parse";

/**
 * What `up` would do to the registry for a fleet file: each entry's profile worked out and
 * validated (as `set` and `create` validate) and compared with the peer's, before anything
 * is changed. A file that is wrong anywhere changes nothing.
 */

type FleetAction = "created" | "updated" | "unchanged" | "removed";

export interface PlannedPeer {
  name: string;
  action: FleetAction;
  /** The profile the file asks for (not for a removal). */
  profile?: Profile;
  folder: string;
  /** What an update changes, as paths in the profile. */
  changed?: string[];
}

/** The registry does not allow what the file asks (a peer that would move, a taken folder). */
export class FleetRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FleetRefusal";
  }
}

const KINDS: Record<string, "string" | "boolean" | "list-or-string"> = {
  "always-on": "boolean",
  reply: "boolean",
  args: "list-or-string",
  runtimes: "list-or-string",
  "accepts-from": "list-or-string",
  "may-send-to": "list-or-string",
};

const POLICY_KEYS = { "accepts-from": true, "may-send-to": true };

/** Lists that `set` takes comma-separated (the others, as JSON). */
const COMMA_LISTS = new Set(["runtimes", "accepts-from", "may-send-to"]);

/** A TOML value as the text `set` would take for its key; undefined when its type is wrong. */
function asText(key: string, value: unknown): string | undefined {
  const kind = KINDS[key] ?? "string";
  if (kind === "boolean") return typeof value === "boolean" ? String(value) : undefined;
  if (typeof value === "string") return value;
  if (
    kind === "list-or-string" &&
    Array.isArray(value) &&
    value.every((v) => typeof v === "string")
  )
    return COMMA_LISTS.has(key) ? value.join(",") : JSON.stringify(value);
  return undefined;
}

const kindName = (key: string): string =>
  ({
    boolean: "true or false",
    "list-or-string": "a string or a list of strings",
    string: "a string",
  })[KINDS[key] ?? "string"];

/** A string (or list of strings) value's control character, named, or undefined. */
const controlCharIn = (value: unknown): string | undefined =>
  (Array.isArray(value) ? value : [value])
    .map((v) => (typeof v === "string" ? controlCharProblem("the value", v) : undefined))
    .find((bad) => bad !== undefined);

/** ~ is the user's home; a relative path is from the fleet file's folder. */
function folderOf(file: string, path: string, home: string): string {
  if (path === "~" || path.startsWith("~/")) return join(home, path.slice(1));
  return resolve(dirname(resolve(file)), path);
}

/** The profile an entry asks for, and its folder when it names one. */
function entryProfile(
  file: FleetFile,
  entry: FleetEntry,
  home: string,
): { profile: Profile; path?: string } {
  const { name, keys } = entry;
  const error = (reason: string, key?: string, table?: string) => {
    const path = ["peers", name, ...(table ? [table] : []), ...(key ? [key] : [])];
    return new FleetError(file.path, lineOf(file.text, path), path.join("."), reason);
  };
  const reserved = reservedName(name);
  if (reserved) throw error(reserved);
  for (const [key, value] of Object.entries(keys)) {
    if (asText(key, value) === undefined) throw error(`must be ${kindName(key)}`, key);
    const bad = controlCharIn(value);
    if (bad) throw error(bad, key);
    if (key in POLICY_KEYS) {
      const list = (asText(key, value) as string).split(",").map((p) => p.trim());
      const patterns = validatePatterns(
        list.filter((p) => p !== ""),
        key,
      );
      if (!patterns.ok) throw error(patterns.error.slice(key.length + 2), key);
    }
  }
  if (keys.runtime !== undefined && keys.runtimes !== undefined)
    throw error("give runtime or runtimes, not both", "runtimes");
  const listed = asText("runtimes", keys.runtimes ?? keys.runtime);
  if (listed === undefined)
    throw error('needs a runtime: runtime = "claude" (or runtimes = [...])');
  const runtimes = listed.split(",").map((r) => r.trim());
  const unknown = runtimes.find((r) => !isBuiltinRuntime(r));
  if (unknown !== undefined)
    throw error(
      `unknown runtime ${JSON.stringify(unknown)}: use one of ${BUILTIN_RUNTIMES.join(", ")}`,
      keys.runtime !== undefined ? "runtime" : "runtimes",
    );
  const defaultRuntime = (keys["default-runtime"] as string | undefined) ?? runtimes[0] ?? "";
  const skeleton: Profile = {
    version: PROFILE_VERSION,
    personality: name,
    runtimes,
    defaultRuntime,
    description: "",
    intelligence: DEFAULT_INTELLIGENCE[defaultRuntime] ?? "artificial",
    wake: "on-demand",
    settings: {},
  };
  const list: Assignment[] = [];
  for (const [key, value] of Object.entries(keys)) {
    if (key === "runtime" || key === "path") continue;
    const text = asText(key, value) as string;
    if (key in RUNTIME_KEYS) {
      // Each setting is checked alone first, so its error points at its own line.
      const one = setRuntimeKey(defaultRuntime, {}, key, text, `peers.${name}.${key}`);
      if (!one.ok)
        throw new FleetError(
          file.path,
          lineOf(file.text, ["peers", name, key]),
          undefined,
          one.error,
        );
    }
    list.push({ key, value: text });
  }
  for (const [runtime, table] of Object.entries(entry.runtimeTables)) {
    if (!runtimes.includes(runtime))
      throw error(
        `${runtime} is not one of its runtimes (${runtimes.join(", ")})`,
        undefined,
        runtime,
      );
    for (const [key, value] of Object.entries(table)) {
      const text = asText(key, value);
      if (text === undefined) throw error(`must be ${kindName(key)}`, key, runtime);
      const bad = controlCharIn(value);
      if (bad) throw error(bad, key, runtime);
      const one = setRuntimeKey(runtime, {}, key, text, `peers.${name}.${runtime}.${key}`);
      if (!one.ok)
        throw new FleetError(
          file.path,
          lineOf(file.text, ["peers", name, runtime, key]),
          undefined,
          one.error,
        );
      list.push({ key, value: text, runtime });
    }
  }
  const profile = applyAssignments(skeleton, list);
  if (!profile.ok) throw error(profile.error);
  const path = keys.path as string | undefined;
  return {
    profile: profile.value,
    ...(path !== undefined && { path: folderOf(file.path, path, home) }),
  };
}

/**
 * The plan for a fleet file: every entry created, updated or left, and with `prune` the peers
 * `members` says came from this file that it no longer lists removed. Throws a FleetError for a
 * bad file, a FleetRefusal for what the registry does not allow.
 */
export function planFleet(
  host: Host,
  file: FleetFile,
  members: readonly string[],
  prune: boolean,
  adopt = false,
): PlannedPeer[] {
  const plan: PlannedPeer[] = [];
  const folders = new Map<string, string>();
  for (const entry of file.entries) {
    const { profile, path } = entryProfile(file, entry, host.config.userHome);
    const row = getPeer(host.store, entry.name);
    const folder = row?.cwd ?? path ?? peerDir(host.layout, entry.name);
    const other = folders.get(folder);
    if (other)
      throw new FleetError(
        file.path,
        lineOf(file.text, ["peers", entry.name, "path"]),
        `peers.${entry.name}.path`,
        `${folder} is also peers.${other}'s folder`,
      );
    folders.set(folder, entry.name);
    if (row) {
      // Two files that list one peer would flip it back and forth at each `up`.
      const owner = adopt ? undefined : otherFleetOf(host.layout, file.path, entry.name);
      if (owner)
        throw new FleetRefusal(
          `peer ${entry.name} belongs to the fleet file ${owner}; take it over with \`iapeer up --adopt\`, or drop it from one of the files`,
        );
      if (path !== undefined && path !== row.cwd)
        throw new FleetRefusal(
          `peer ${entry.name} lives in ${row.cwd}, the file says ${path}: a peer cannot move (remove it first, or give its folder)`,
        );
      const disk = inspectProfile(row.cwd);
      if (disk.kind !== "ok")
        throw new FleetRefusal(
          disk.kind === "broken"
            ? `peer ${entry.name}'s profile is broken (${disk.reason}); \`iapeer edit ${entry.name}\` fixes it`
            : `peer ${entry.name}'s profile ${disk.path} is missing; see \`iapeer verify\``,
        );
      const changed = profileChanges(disk.profile, profile);
      plan.push({
        name: entry.name,
        action: changed.length > 0 ? "updated" : "unchanged",
        profile,
        folder,
        ...(changed.length > 0 && { changed }),
      });
      continue;
    }
    const owner = peerAt(host.store, folder);
    if (owner)
      throw new FleetRefusal(`${folder} is already the folder of peer ${owner.personality}`);
    if (existsSync(profilePath(folder)))
      throw new FleetRefusal(
        `${folder} already holds a peer's profile; register it with \`iapeer init ${folder}\` first`,
      );
    plan.push({ name: entry.name, action: "created", profile, folder });
  }
  if (prune) {
    const listed = new Set(file.entries.map((e) => e.name));
    for (const name of members) {
      const row = !listed.has(name) && getPeer(host.store, name);
      if (row) plan.push({ name, action: "removed", folder: row.cwd });
    }
  }
  return plan;
}

/** Peers an earlier `up` of this file made that it no longer lists (and that still exist). */
export function orphansOf(host: Host, file: FleetFile, members: readonly string[]): string[] {
  const listed = new Set(file.entries.map((e) => e.name));
  return members.filter((n) => !listed.has(n) && getPeer(host.store, n) !== undefined);
}
