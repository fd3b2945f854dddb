#!/usr/bin/env bun
/**
 * Install the real agent CLIs that the real-agent tests drive, at the versions pinned in
 * scripts/agents.json, each into a cache folder of its own outside the project's dependencies
 * (`$IAPEER_AGENTS_DIR`, default ~/.cache/iapeer/agents). Already installed versions are kept.
 * Prints the folders to put on PATH, one a line.
 */
import { existsSync } from "node:fs";
import { agentsDir, installDir, PINS } from "../test/helpers/agent-pins";

for (const [runtime, pin] of Object.entries(PINS)) {
  const dir = installDir(pin);
  const bin = `${dir}/node_modules/.bin/${pin.bin}`;
  if (!existsSync(bin)) {
    process.stderr.write(`installing ${pin.package}@${pin.version} for ${runtime} into ${dir}\n`);
    const res = Bun.spawnSync(
      [
        "npm",
        "install",
        "--no-audit",
        "--no-fund",
        "--no-save",
        "--prefix",
        dir,
        `${pin.package}@${pin.version}`,
      ],
      { stdout: "pipe", stderr: "inherit" },
    );
    process.stderr.write(res.stdout);
    if (res.exitCode !== 0 || !existsSync(bin)) {
      process.stderr.write(
        `could not install ${pin.package}@${pin.version} (npm exit ${res.exitCode})\n`,
      );
      process.exit(1);
    }
  }
  const version = Bun.spawnSync([bin, "--version"], { stdout: "pipe", stderr: "pipe" });
  process.stderr.write(
    `${runtime}: ${version.stdout.toString().trim() || "(no --version output)"} in ${agentsDir()}\n`,
  );
  console.log(`${dir}/node_modules/.bin`);
}
