import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
const MAIN = join(ROOT, "src", "cli", "main.ts");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI from source, in its own environment (no inherited IAPEER_* knobs). */
export function runSource(args: string[], env: Record<string, string> = {}): CliResult {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("IAPEER_")) base[k] = v;
  }
  const res = Bun.spawnSync([process.execPath, MAIN, ...args], {
    env: { ...base, NO_COLOR: "1", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: res.exitCode ?? -1, stdout: res.stdout.toString(), stderr: res.stderr.toString() };
}
