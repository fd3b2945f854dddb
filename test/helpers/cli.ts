import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
export const MAIN = join(ROOT, "src", "cli", "main.ts");

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

/** runSource without blocking the test's thread, so several can run side by side. */
export async function runSourceAsync(
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("IAPEER_")) base[k] = v;
  }
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    env: { ...base, NO_COLOR: "1", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** Run `fn` over `items`, at most `width` at a time; the results in order. */
export async function inBatches<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width)
    results.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return results;
}
