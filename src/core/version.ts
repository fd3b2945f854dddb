import pkg from "../../package.json" with { type: "json" };

// Replaced by `bun build --define` in scripts/build.ts; absent when running from source.
declare const IAPEER_BUILD_COMMIT: string | undefined;

export const VERSION: string = pkg.version;
export const COMMIT: string =
  typeof IAPEER_BUILD_COMMIT === "string" ? IAPEER_BUILD_COMMIT : "source";

export function versionLine(): string {
  return `iapeer ${VERSION} (${COMMIT})`;
}
