import { join } from "node:path";

/**
 * The argv that runs this iapeer: the compiled binary itself, or bun with the CLI entry when
 * running from source (tests, development). Sessions use it to run `iapeer echo-agent`.
 */
export function iapeerArgv(): string[] {
  const compiled = import.meta.url.includes("$bunfs") || import.meta.url.includes("~BUN");
  return compiled
    ? [process.execPath]
    : [process.execPath, join(import.meta.dir, "..", "cli", "main.ts")];
}
