import { readFileSync, rmSync } from "node:fs";
import { writeFileAtomic } from "../core/fs";
import type { Result } from "../core/result";
import type { Host } from "../home/host";
import { refreshMcp } from "../registry/mcp-connect";
import { inspectProfile, type Profile, profilePath, writeProfile } from "../registry/profile";
import { getPeer, type PeerRecord, projectProfile } from "../registry/registry";
import type { InstallReport } from "../service/manager";
import { registryLock } from "./control";
import { withPeerLock } from "./peer-lock";

/**
 * Change a registered peer's profile (`set`, `edit`, `up`): the profile in its folder and the
 * registry's copy of it change together, under the lock a removal of the name takes, so the
 * daemon (which reads the registry at every wake) uses the new profile from the peer's next wake
 * on. Sessions that run are left running. An always-on peer's service follows, as create and
 * remove do: uninstalled first (a failure changes nothing), installed after.
 */

type UpdateFailure = "unknown-peer" | "invalid" | "refused";
export type UpdateResult =
  | { ok: true; value: Update }
  | { ok: false; error: string; kind: UpdateFailure };

export type ServiceChange =
  | { installed: InstallReport }
  | { uninstalled: boolean }
  | { error: string };

export interface Update {
  peer: PeerRecord;
  before: Profile;
  /** What differs, as paths in the profile (`description`, `settings.command.command`). */
  changed: string[];
  service?: ServiceChange;
}

export interface ServiceHooks {
  install(peer: PeerRecord): Result<InstallReport>;
  uninstall(peer: PeerRecord): Result<unknown>;
}

interface UpdateOptions {
  /** The profile file must still hold exactly this text (an edit was made from it). */
  expectText?: string;
  /** Replace a broken or missing profile too (an edit may repair one). */
  repair?: boolean;
}

/** How long an update waits for a removal or another update of the name. */
const UPDATE_LOCK_MS = 120_000;

const failed = (kind: UpdateFailure, error: string): UpdateResult => ({ ok: false, kind, error });

/** The paths at which two profiles differ, one level into each runtime's settings. */
export function profileChanges(a: Profile, b: Profile): string[] {
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  const out: string[] = [];
  for (const key of Object.keys({ ...a, ...b }) as (keyof Profile)[]) {
    if (key === "settings") continue;
    if (!same(a[key], b[key])) out.push(key);
  }
  for (const rt of [...new Set([...Object.keys(a.settings), ...Object.keys(b.settings)])].sort()) {
    const x = (a.settings[rt] ?? {}) as Record<string, unknown>;
    const y = (b.settings[rt] ?? {}) as Record<string, unknown>;
    for (const field of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort())
      if (!same(x[field], y[field])) out.push(`settings.${rt}.${field}`);
  }
  return out;
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

export async function updatePeer(
  host: Host,
  personality: string,
  change: (current: Profile) => Result<Profile>,
  service: ServiceHooks,
  opts: UpdateOptions = {},
): Promise<UpdateResult> {
  const locked = await withPeerLock(
    host,
    registryLock(personality),
    UPDATE_LOCK_MS,
    async (): Promise<UpdateResult> => {
      const row = getPeer(host.store, personality);
      if (!row) return failed("unknown-peer", `no peer named ${personality}; see \`iapeer list\``);
      const path = profilePath(row.cwd);
      const text = readText(path);
      if (opts.expectText !== undefined && text !== opts.expectText)
        return failed("refused", `${path} changed while it was being edited`);
      // The profile is the truth: a hand edit not yet in the registry is the base, not undone.
      const disk = inspectProfile(row.cwd);
      let before = row.profile;
      if (disk.kind === "ok" && disk.profile.personality !== personality)
        return failed(
          "refused",
          `${path} now names ${disk.profile.personality}; see \`iapeer verify\``,
        );
      if (disk.kind === "ok") before = disk.profile;
      else if (!opts.repair)
        return failed(
          "refused",
          disk.kind === "broken"
            ? `its profile is broken (${disk.reason}); \`iapeer edit ${personality}\` fixes it`
            : `its profile ${disk.path} is missing; see \`iapeer verify\``,
        );
      const next = change(before);
      if (!next.ok) return failed("invalid", next.error);
      if (next.value.personality !== personality)
        return failed("invalid", "a peer's name cannot be changed: remove it and create another");
      const changed = profileChanges(before, next.value);
      const stale = JSON.stringify(row.profile) !== JSON.stringify(next.value);
      if (changed.length === 0 && !stale && disk.kind === "ok")
        return { ok: true, value: { peer: row, before, changed } };

      // The service of the runtime it ran as always-on goes first, or its manager keeps it up.
      const after: PeerRecord = { ...row, profile: next.value };
      const wasAlwaysOn = row.profile.wake === "always-on";
      const isAlwaysOn = next.value.wake === "always-on";
      const sameService = row.profile.defaultRuntime === next.value.defaultRuntime;
      let serviceChange: ServiceChange | undefined;
      if (wasAlwaysOn && !(isAlwaysOn && sameService)) {
        const removed = service.uninstall(row);
        if (!removed.ok)
          return failed(
            "refused",
            `cannot uninstall the service of ${personality}: ${removed.error}`,
          );
        serviceChange = { uninstalled: removed.value === true };
      }
      const newMcp = next.value.runtimes.some(
        (rt) => (rt === "claude" || rt === "codex") && !before.runtimes.includes(rt),
      );
      const written = host.store.write((): Result<unknown> => {
        const wrote = writeProfile(row.cwd, next.value);
        if (!wrote.ok) return wrote;
        try {
          projectProfile(host.store, row.cwd, next.value);
          // A new runtime with an MCP client gets its config, with the token the others use.
          if (newMcp) refreshMcp(host, row.cwd, next.value);
        } catch (error) {
          // The transaction is rolled back: the file goes back to exactly what it was.
          if (text === undefined) rmSync(path, { force: true });
          else writeFileAtomic(path, text);
          throw error;
        }
        return wrote;
      });
      if (!written.ok) {
        if (serviceChange && "uninstalled" in serviceChange) service.install(row);
        return failed("refused", written.error);
      }
      host.events.write("update", { peer: personality, changed: changed.join(",") });
      if (isAlwaysOn && !(wasAlwaysOn && sameService)) {
        const installed = service.install(after);
        serviceChange = installed.ok ? { installed: installed.value } : { error: installed.error };
      }
      return {
        ok: true,
        value: { peer: after, before, changed, ...(serviceChange && { service: serviceChange }) },
      };
    },
  );
  return locked.ok
    ? locked.value
    : failed("refused", `another change of ${personality} is still running; try again shortly`);
}
