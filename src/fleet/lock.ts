import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import type { Layout } from "../core/paths";

/**
 * One `up` of a fleet at a time in a home, across processes, so that two runs of one
 * file converge instead of both creating the same peer. The lock is the kernel's flock(2) on
 * `state/fleet.lock`: it goes with its holder's process, however that ends, so there is never a
 * stale lock to recover.
 */

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

type Flock = (fd: number, op: number) => number;

let flock: Flock | null | undefined;

/** flock(2) from the C library, or null where it cannot be loaded. */
async function loadFlock(): Promise<Flock | null> {
  if (flock !== undefined) return flock;
  let ffi: typeof import("bun:ffi");
  try {
    ffi = await import("bun:ffi");
  } catch {
    flock = null;
    return flock;
  }
  const { dlopen, FFIType } = ffi;
  const names =
    process.platform === "darwin"
      ? ["libSystem.B.dylib"]
      : ["libc.so.6", "libc.so", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"];
  for (const name of names) {
    try {
      const lib = dlopen(name, {
        flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      });
      flock = (fd, op) => lib.symbols.flock(fd, op);
      return flock;
    } catch {
      // try the next name
    }
  }
  flock = null;
  return flock;
}

const fleetLockPath = (layout: Layout): string => join(layout.stateDir, "fleet.lock");

type FleetLock = { ok: true; release: () => void } | { ok: false; error: string };

/**
 * Wait (polling, up to `timeoutMs`) for the home's fleet lock. `waiting` is called once when
 * another process holds it, so the user knows why nothing happens yet.
 */
export async function lockFleet(
  layout: Layout,
  timeoutMs: number,
  waiting: () => void,
): Promise<FleetLock> {
  const lock = await loadFlock();
  const fd = openSync(fleetLockPath(layout), "a", 0o600);
  if (!lock) return { ok: true, release: () => closeSync(fd) };
  const deadline = Date.now() + timeoutMs;
  let told = false;
  while (lock(fd, LOCK_EX | LOCK_NB) !== 0) {
    if (Date.now() >= deadline) {
      closeSync(fd);
      return {
        ok: false,
        error: `another \`iapeer up\` in this home held ${fleetLockPath(layout)} for ${Math.round(timeoutMs / 1000)} s; try again when it is done`,
      };
    }
    if (!told) {
      told = true;
      waiting();
    }
    await Bun.sleep(100);
  }
  return {
    ok: true,
    release: () => {
      lock(fd, LOCK_UN);
      closeSync(fd);
    },
  };
}
