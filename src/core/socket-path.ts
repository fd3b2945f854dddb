import { createHash } from "node:crypto";
import { join } from "node:path";
import { MAX_NAME_LENGTH } from "./names";

/** sun_path sizes, including the terminating NUL. */
const SUN_PATH_BYTES: Record<string, number> = { darwin: 104, linux: 108 };

export function socketPathLimit(platform: string): number {
  return SUN_PATH_BYTES[platform] ?? 104;
}

function socketPathFits(path: string, platform: string): boolean {
  return Buffer.byteLength(path) < socketPathLimit(platform);
}

/** The longest identity a valid runtime and personality can make: "<32>-<32>". */
const LONGEST_IDENTITY = "x".repeat(MAX_NAME_LENGTH * 2 + 1);

/** The longest socket path iapeer will ever create under a socket directory. */
export function longestSocketPath(sockDir: string): string {
  return join(sockDir, "tmux", `${LONGEST_IDENTITY}.sock`);
}

export function sockDirFits(sockDir: string, platform: string): boolean {
  return socketPathFits(longestSocketPath(sockDir), platform);
}

/**
 * The short fallback when `$IAPEER_HOME/run` is too long for a socket path. Each home gets its
 * own subdirectory (a hash of the home), so two homes never share a daemon or tmux socket.
 */
export function fallbackSockDir(home: string, uid: number): string {
  const tag = createHash("sha256").update(home).digest("hex").slice(0, 8);
  return join("/tmp", `iapeer-${uid}`, tag);
}

export function defaultSockDir(home: string, platform: string, uid: number): string {
  const preferred = join(home, "run");
  return sockDirFits(preferred, platform) ? preferred : fallbackSockDir(home, uid);
}
