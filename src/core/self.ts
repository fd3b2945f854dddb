import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * The argv that runs this iapeer: the compiled binary itself, or bun with the CLI entry when
 * running from source (tests, development). Sessions use it to run `iapeer echo-agent`, and
 * service files to run the daemon, so it must still name a binary after an upgrade.
 */
export function iapeerArgv(): string[] {
  const compiled = import.meta.url.includes("$bunfs") || import.meta.url.includes("~BUN");
  return compiled
    ? [upgradeStablePath(process.execPath, existsSync)]
    : [process.execPath, join(import.meta.dir, "..", "cli", "main.ts")];
}

/**
 * The path of this binary that survives an upgrade. Homebrew runs `<prefix>/bin/iapeer` through a
 * symlink into `<prefix>/Cellar/iapeer/<version>/`, a folder `brew upgrade` removes; its
 * `<prefix>/opt/iapeer` link always points at the installed version. Other installs (npm, a copied
 * release binary) replace the file in place.
 */
export function upgradeStablePath(execPath: string, exists: (path: string) => boolean): string {
  const keg = /^(.*)\/Cellar\/iapeer\/[^/]+\/bin\/iapeer$/.exec(execPath);
  if (!keg) return execPath;
  const opt = `${keg[1]}/opt/iapeer/bin/iapeer`;
  return exists(opt) ? opt : execPath;
}
