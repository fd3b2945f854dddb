import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT } from "./cli";

let built: Promise<string> | undefined;

/**
 * The compiled iapeer: `$IAPEER_TEST_BINARY` (CI builds it first), else compiled once per test
 * run into a temporary folder, from the source under test.
 */
export function iapeerBinary(): Promise<string> {
  const given = process.env.IAPEER_TEST_BINARY;
  if (given) {
    if (!existsSync(given)) throw new Error(`IAPEER_TEST_BINARY=${given} does not exist`);
    // Absolute: tests run it from other folders.
    return Promise.resolve(resolve(given));
  }
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "iapeer-bin-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, "iapeer");
    const proc = Bun.spawn(
      [
        process.execPath,
        "build",
        join(ROOT, "src", "cli", "main.ts"),
        "--compile",
        // As scripts/build.ts builds it.
        "--bytecode",
        "--format=esm",
        `--outfile=${out}`,
      ],
      { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
    );
    if ((await proc.exited) !== 0)
      throw new Error(`bun build failed: ${await new Response(proc.stderr).text()}`);
    return out;
  })();
  return built;
}
