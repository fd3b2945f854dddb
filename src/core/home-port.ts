import { readFileSync } from "node:fs";
import type { Config } from "./config";
import { writeFileAtomic } from "./fs";
import type { Layout } from "./paths";

/**
 * Each home's loopback port. With IAPEER_PORT set it is that, and nothing else. Unset, a home
 * keeps the port its daemon last listened on, so a restarted daemon is where the peers' MCP
 * configs already point; a first daemon takes the default if it is free, else any free port.
 * Two homes on one machine (two users, a test, the demo) never fight over one port.
 */

/** The port this home's daemon last listened on, if it ever did. */
function rememberedPort(layout: Layout): number | undefined {
  try {
    const port = Number(readFileSync(layout.portFile, "utf8").trim());
    return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
  } catch {
    return undefined;
  }
}

export function rememberPort(layout: Layout, port: number): void {
  if (rememberedPort(layout) !== port) writeFileAtomic(layout.portFile, `${port}\n`);
}

const fixed = (config: Pick<Config, "fromEnv">): boolean => config.fromEnv.includes("IAPEER_PORT");

/**
 * The ports to try, in order; 0 asks the system for any free one. Empty when the loopback
 * listener is off (IAPEER_PORT=0).
 */
export function portsToTry(config: Pick<Config, "port" | "fromEnv">, layout: Layout): number[] {
  if (config.port === 0) return [];
  if (fixed(config)) return [config.port];
  return [...new Set([rememberedPort(layout) ?? config.port, config.port, 0])];
}

/** The port a peer's MCP config should name now; 0 when the listener is off. */
export function homePort(config: Pick<Config, "port" | "fromEnv">, layout: Layout): number {
  if (config.port === 0 || fixed(config)) return config.port;
  return rememberedPort(layout) ?? config.port;
}
