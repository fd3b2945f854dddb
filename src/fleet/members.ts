import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/fs";
import type { Layout } from "../core/paths";
import { fail, ok, type Result } from "../core/result";

/**
 * Which peers belong to which fleet file: `state/fleets.json`, `{"<absolute file path>":
 * [names]}`. A peer belongs to a file once an `up` of that file has created or updated it (or
 * found it as the file says); only those are ever pruned, so a peer made with `create` is never
 * removed by a fleet file that does not list it. A file that moves is a new fleet.
 */

const membersPath = (layout: Layout): string => join(layout.stateDir, "fleets.json");

function readAll(layout: Layout): Record<string, string[]> {
  try {
    const raw: unknown = JSON.parse(readFileSync(membersPath(layout), "utf8"));
    if (typeof raw === "object" && raw !== null && !Array.isArray(raw))
      return raw as Record<string, string[]>;
  } catch {
    // none yet, or unreadable: no peer is known to belong to a fleet
  }
  return {};
}

export function fleetMembers(layout: Layout, file: string): string[] {
  const names = readAll(layout)[file];
  return Array.isArray(names) ? names.filter((n) => typeof n === "string") : [];
}

/** Record the fleet's members (in the caller's registry transaction, so writers do not race). */
export function setFleetMembers(layout: Layout, file: string, names: string[]): Result<void> {
  const all = readAll(layout);
  if (names.length > 0) all[file] = [...new Set(names)].sort();
  else delete all[file];
  const written = writeFileAtomic(membersPath(layout), `${JSON.stringify(all, null, 2)}\n`);
  return written.ok ? ok(undefined) : fail(written.error);
}

/** Another fleet file that holds this peer, if any: a peer belongs to one file at a time. */
export function otherFleetOf(layout: Layout, file: string, name: string): string | undefined {
  for (const [other, names] of Object.entries(readAll(layout)))
    if (other !== file && Array.isArray(names) && names.includes(name)) return other;
  return undefined;
}

/** Take peers out of every other file's members (`up --adopt`): they are this file's now. */
export function releaseFromOthers(layout: Layout, file: string, names: string[]): Result<void> {
  const all = readAll(layout);
  for (const [other, held] of Object.entries(all)) {
    if (other === file || !Array.isArray(held)) continue;
    const kept = held.filter((n) => !names.includes(n));
    if (kept.length > 0) all[other] = kept;
    else delete all[other];
  }
  const written = writeFileAtomic(membersPath(layout), `${JSON.stringify(all, null, 2)}\n`);
  return written.ok ? ok(undefined) : fail(written.error);
}
