import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The real agent CLIs the real-agent tests drive, and the MCP conformance suite the MCP endpoint
 * is checked with: versions pinned in scripts/agents.json (moving a pin is a one-line change
 * there), installed by scripts/install-agents.ts outside the project's dependencies.
 */

export interface AgentPin {
  package: string;
  version: string;
  bin: string;
}

const ROOT = join(import.meta.dir, "..", "..");
export const PINS = JSON.parse(
  readFileSync(join(ROOT, "scripts", "agents.json"), "utf8"),
) as Record<"claude" | "codex" | "conformance", AgentPin>;

export function agentsDir(): string {
  return process.env.IAPEER_AGENTS_DIR || join(homedir(), ".cache", "iapeer", "agents");
}

export function installDir(pin: AgentPin): string {
  return join(agentsDir(), `${pin.package.replace(/^@/, "").replace("/", "-")}-${pin.version}`);
}

/** The pinned CLI's folder of executables, when it is installed. */
export function agentBinDir(runtime: keyof typeof PINS): string | undefined {
  const pin = PINS[runtime];
  const dir = join(installDir(pin), "node_modules", ".bin");
  return existsSync(join(dir, pin.bin)) ? dir : undefined;
}
