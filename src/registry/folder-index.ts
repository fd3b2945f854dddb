import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { writeFileAtomic } from "../core/fs";
import type { Layout } from "../core/paths";
import { fail, ok, type Result } from "../core/result";

/**
 * The folder index, `$IAPEER_HOME/state/folders`: every peer's folder, one absolute path a line.
 * It lives beside the database, not in it, so that losing the database loses no peer: the
 * registry is rebuilt from the profiles in these folders (and under `peers/`). It is changed
 * only inside a write transaction of the state database, which serialises its writers across
 * processes, and written atomically.
 */
const folderIndexPath = (layout: Layout): string => join(layout.stateDir, "folders");

export function hasFolderIndex(layout: Layout): boolean {
  return existsSync(folderIndexPath(layout));
}

export function readFolderIndex(layout: Layout): Result<string[]> {
  const path = folderIndexPath(layout);
  if (!existsSync(path)) return ok([]);
  try {
    const lines = readFileSync(path, "utf8").split("\n");
    return ok([...new Set(lines.filter((line) => line !== "" && isAbsolute(line)))]);
  } catch (error) {
    return fail(`cannot read the folder index ${path}: ${(error as Error).message}`);
  }
}

export function writeFolderIndex(layout: Layout, folders: Iterable<string>): Result<string> {
  const sorted = [...new Set(folders)].sort();
  return writeFileAtomic(folderIndexPath(layout), sorted.map((folder) => `${folder}\n`).join(""));
}

/** Add or drop one folder; call inside the store's write transaction. */
export function updateFolderIndex(
  layout: Layout,
  change: { add?: string; remove?: string },
): Result<string> {
  const current = readFolderIndex(layout);
  if (!current.ok) return current;
  const folders = new Set(current.value);
  if (change.remove !== undefined) folders.delete(change.remove);
  if (change.add !== undefined) folders.add(change.add);
  return writeFolderIndex(layout, folders);
}
