import {
  chmodSync,
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { fail, ok, type Result } from "./result";

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/**
 * Create a private directory (0700, parents too). An existing one is tightened to 0700; with
 * `uid`, one owned by someone else is refused (a squatted path under /tmp, say).
 */
export function ensurePrivateDir(path: string, uid?: number): Result<string> {
  try {
    mkdirSync(path, { recursive: true, mode: DIR_MODE });
    const st = lstatSync(path);
    if (!st.isDirectory()) return fail(`${path} exists and is not a directory`);
    if (uid !== undefined && st.uid !== uid) {
      return fail(
        `${path} is owned by uid ${st.uid}, not by you (uid ${uid}); remove it or choose another path`,
      );
    }
    // mkdir's mode is filtered by the umask, and an existing dir keeps its mode.
    if ((st.mode & 0o777) !== DIR_MODE) chmodSync(path, DIR_MODE);
    return ok(path);
  } catch (error) {
    return fail(`cannot create directory ${path}: ${(error as Error).message}`);
  }
}

let tempCounter = 0;

/**
 * Write a file so that readers see the old content or the new, never a torn one:
 * temp file in the same directory, fsync, rename over, fsync the directory.
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode: number = FILE_MODE,
): Result<string> {
  const dir = dirname(path);
  tempCounter += 1;
  const temp = join(dir, `.${basename(path)}.${process.pid}.${tempCounter}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx", mode);
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    let written = 0;
    while (written < bytes.length) {
      written += writeSync(fd, bytes, written, bytes.length - written);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    chmodSync(temp, mode);
    renameSync(temp, path);
    syncDir(dir);
    return ok(path);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    return fail(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** Makes a rename durable; some filesystems refuse to fsync a directory, which is harmless. */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
