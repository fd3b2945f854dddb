import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import type { Intelligence } from "../codec/envelope";
import { DIR_MODE } from "../core/fs";
import { ALL_PEERS, HUMAN_SENDER } from "../core/names";
import { normalizeName } from "../core/normalize-name";
import { peerDir } from "../core/paths";
import { fail, ok, type Result } from "../core/result";
import type { Host } from "../home/host";
import type { RuntimeSettings } from "../runtimes/types";
import { readFolderIndex, updateFolderIndex } from "./folder-index";
import { connectMcp } from "./mcp-connect";
import {
  inspectProfile,
  type Profile,
  profilePath,
  readProfile,
  validateProfile,
  writeProfile,
} from "./profile";
import { getPeer, type PeerRecord, peerAt, projectProfile } from "./registry";

export interface NewPeer {
  name: string;
  runtime: string;
  /** The peer's folder; default `$IAPEER_HOME/peers/<name>`. */
  path?: string;
  command?: string;
  description?: string;
  intelligence?: Intelligence;
  alwaysOn?: boolean;
  /** Settings of its runtime beyond the command (e.g. the echo agent's `reply`). */
  settings?: RuntimeSettings;
}

/**
 * Why a name cannot be a new peer's (the sender a person at the CLI is, or the word that names
 * every peer), or undefined.
 */
export function reservedName(name: string): string | undefined {
  if (name === HUMAN_SENDER)
    return `${HUMAN_SENDER} is reserved for messages from a person at the CLI; choose another name`;
  if (name === ALL_PEERS)
    return `${ALL_PEERS} is reserved: \`stop all\`, \`remove all\` and the like mean every peer; choose another name`;
  return undefined;
}

/** Everything about a new peer that can be wrong before looking at the registry. */
export function validateNewPeer(input: NewPeer): Result<Profile> {
  const reserved = reservedName(input.name);
  if (reserved) return fail(reserved);
  if (input.command !== undefined && input.runtime !== "command")
    return fail(
      `a command to run is only for the command runtime; ${input.runtime} runs its own program`,
    );
  return profileFor(input);
}

function profileFor(input: NewPeer): Result<Profile> {
  const settings: Record<string, RuntimeSettings> = {};
  const own = { ...input.settings, ...(input.command !== undefined && { command: input.command }) };
  if (Object.keys(own).length > 0) settings[input.runtime] = own;
  return validateProfile({
    personality: input.name,
    runtimes: [input.runtime],
    defaultRuntime: input.runtime,
    ...(input.description !== undefined && { description: input.description }),
    ...(input.intelligence !== undefined && { intelligence: input.intelligence }),
    wake: input.alwaysOn ? "always-on" : "on-demand",
    settings,
  });
}

/** A folder that can be a peer's: one line in the folder index, and a folder if it exists. */
function checkFolder(folder: string): Result<string> {
  if (/[\r\n]/.test(folder))
    return fail(
      `a folder whose path holds a line break cannot be a peer's: ${JSON.stringify(folder)}`,
    );
  if (existsSync(folder) && !statSync(folder).isDirectory())
    return fail(`${folder} exists and is not a folder`);
  return ok(folder);
}

/**
 * Write the profile, list the folder in the index and project the profile, inside the caller's
 * write transaction; on any failure the profile and the index line written here are taken back.
 */
function register(host: Host, folder: string, profile: Profile, writeIt: boolean): Result<void> {
  const before = readFolderIndex(host.layout);
  if (!before.ok) return before;
  const indexed = updateFolderIndex(host.layout, { add: folder });
  if (!indexed.ok) return indexed;
  const undo = () => {
    if (writeIt) rmSync(profilePath(folder), { force: true });
    if (!before.value.includes(folder)) updateFolderIndex(host.layout, { remove: folder });
  };
  if (writeIt) {
    mkdirSync(folder, { recursive: true, mode: DIR_MODE });
    const written = writeProfile(folder, profile);
    if (!written.ok) {
      undo();
      return written;
    }
  }
  try {
    projectProfile(host.store, folder, profile, new Date());
    connectMcp(host, folder, profile);
  } catch (error) {
    undo();
    throw error;
  }
  return ok(undefined);
}

/**
 * Register a peer: write its profile into its folder, list the folder in the index and project
 * it into the registry, in one write transaction of the state database (the registry's lock
 * across processes), so two creators of one name cannot both succeed and a removal never
 * interleaves. A taken name or folder is refused; a name is never suffixed.
 */
export function createPeer(host: Host, input: NewPeer): Result<PeerRecord> {
  const profile = validateNewPeer(input);
  if (!profile.ok) return profile;
  return createFromProfile(host, profile.value, input.path);
}

/** Register a peer from a whole, validated profile (a fleet file's entry may name several runtimes). */
export function createFromProfile(host: Host, profile: Profile, path?: string): Result<PeerRecord> {
  const name = profile.personality;
  const checked = checkFolder(resolve(path ?? peerDir(host.layout, name)));
  if (!checked.ok) return checked;
  const folder = checked.value;
  return host.store.write(() => {
    const taken = getPeer(host.store, name);
    if (taken)
      return fail(`a peer named ${name} already exists (${taken.cwd}); choose another name`);
    const owner = peerAt(host.store, folder);
    if (owner) return fail(`${folder} is already the folder of peer ${owner.personality}`);
    if (existsSync(profilePath(folder))) {
      const existing = readProfile(folder);
      const who = existing.ok ? `peer ${existing.value.personality}` : "a peer";
      return fail(
        `${folder} already holds the profile of ${who}; register it with \`iapeer init ${folder}\``,
      );
    }
    const registered = register(host, folder, profile, true);
    if (!registered.ok) return registered;
    host.events.write("create", {
      peer: name,
      runtime: profile.defaultRuntime,
      cwd: folder,
      wake: profile.wake,
    });
    return ok({ personality: name, cwd: folder, profile, stopped: false, backoffLevel: 0 });
  });
}

export interface InitPeer extends Omit<NewPeer, "name" | "path"> {
  /** Overrides the name derived from the folder's name. */
  name?: string;
}

/**
 * Make an existing folder a peer, named after the folder. A folder that already holds a valid
 * profile not in the registry is adopted as it is.
 */
export function initPeer(
  host: Host,
  dir: string,
  input: InitPeer,
): Result<PeerRecord & { adopted: boolean }> {
  const checked = checkFolder(resolve(dir));
  if (!checked.ok) return checked;
  const folder = checked.value;
  if (!existsSync(folder)) return fail(`${folder} is not an existing folder`);
  if (existsSync(profilePath(folder))) {
    return host.store.write(() => {
      // Read under the registry's lock: a removal may have set it aside a moment ago.
      const existing = readProfile(folder);
      if (!existing.ok) return existing;
      const owner = peerAt(host.store, folder);
      if (owner) return fail(`${folder} is already peer ${owner.personality}`);
      const taken = getPeer(host.store, existing.value.personality);
      if (taken)
        return fail(`a peer named ${existing.value.personality} already exists (${taken.cwd})`);
      const registered = register(host, folder, existing.value, false);
      if (!registered.ok) return registered;
      host.events.write("init", { peer: existing.value.personality, cwd: folder, adopted: true });
      const record = {
        personality: existing.value.personality,
        cwd: folder,
        profile: existing.value,
        stopped: false,
        backoffLevel: 0,
      };
      return ok({ ...record, adopted: true });
    });
  }
  const name = input.name ?? normalizeName(basename(folder));
  if (typeof name !== "string" && !name.ok) return name;
  const created = createPeer(host, {
    ...input,
    name: typeof name === "string" ? name : name.value,
    path: folder,
  });
  return created.ok ? ok({ ...created.value, adopted: false }) : created;
}

/**
 * Set a removed peer's profile aside as `peer.json.removed-<time>` (never over an earlier one),
 * unless the file now names another peer. Throws when it cannot, so that the removal's
 * transaction is rolled back. Returns where it went.
 */
export function retireProfile(
  folder: string,
  personality: string,
  now = new Date(),
): string | undefined {
  const path = profilePath(folder);
  const found = inspectProfile(folder);
  if (found.kind === "missing") return undefined;
  if (found.kind === "ok" && found.profile.personality !== personality) return undefined;
  const stamp = now.toISOString().replace(/[:.]/g, "");
  let aside = `${path}.removed-${stamp}`;
  for (let n = 2; existsSync(aside); n++) aside = `${path}.removed-${stamp}-${n}`;
  renameSync(path, aside);
  return aside;
}
