/**
 * The platforms a release ships a binary for: Bun's compile target, and the names npm and
 * Homebrew know each platform by.
 */
export interface ReleaseTarget {
  /** `darwin-arm64`: the suffix of the release file `iapeer-<name>` and of its npm package. */
  readonly name: string;
  /** What `bun build --compile --target=` takes. */
  readonly bunTarget: string;
  /** npm's `os` and `cpu` values (Node's process.platform and process.arch). */
  readonly os: "darwin" | "linux";
  readonly cpu: "arm64" | "x64";
}

export const RELEASE_TARGETS: readonly ReleaseTarget[] = [
  { name: "darwin-arm64", bunTarget: "bun-darwin-arm64", os: "darwin", cpu: "arm64" },
  { name: "darwin-x64", bunTarget: "bun-darwin-x64", os: "darwin", cpu: "x64" },
  { name: "linux-arm64", bunTarget: "bun-linux-arm64", os: "linux", cpu: "arm64" },
  { name: "linux-x64", bunTarget: "bun-linux-x64", os: "linux", cpu: "x64" },
];

export const releaseFile = (t: Pick<ReleaseTarget, "name">): string => `iapeer-${t.name}`;

/** The release target this machine runs, if it is one. */
export function hostTarget(
  platform: string = process.platform,
  arch: string = process.arch,
): ReleaseTarget | undefined {
  return RELEASE_TARGETS.find((t) => t.os === platform && t.cpu === arch);
}
