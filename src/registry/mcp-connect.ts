import { homePort } from "../core/home-port";
import type { Host } from "../home/host";
import { MCP_RUNTIMES, readMcpConfig, writeMcpConfigs } from "./mcp-configs";
import type { Profile } from "./profile";
import { issueToken, peerForToken } from "./tokens";

/**
 * Give the peer its own token and point its runtime's MCP config at the daemon with it, so a
 * message it sends is known to be from it. Best effort: a config that cannot be written is
 * logged; the peer can still receive.
 */
export function connectMcp(host: Host, folder: string, profile: Profile): void {
  const token = issueToken(host.store, profile.personality);
  const port = homePort(host.config, host.layout);
  if (port === 0) return;
  writeOrLog(host, folder, profile, token, `http://127.0.0.1:${port}/mcp`);
}

/**
 * Before a session starts: its MCP config must name the port the daemon listens on now (a home
 * without IAPEER_PORT may have moved) with a token that still works. A config that already does
 * is left alone, and a working token is kept: another runtime's live session may be using it.
 */
export function refreshMcp(host: Host, folder: string, profile: Profile): void {
  const port = homePort(host.config, host.layout);
  const runtimes = profile.runtimes.filter((r) => MCP_RUNTIMES.has(r));
  if (port === 0 || runtimes.length === 0) return;
  const url = `http://127.0.0.1:${port}/mcp`;
  const seen = runtimes.map((r) => readMcpConfig(folder, r));
  const working = seen.find(
    (c) => c !== undefined && peerForToken(host.store, c.token) === profile.personality,
  )?.token;
  if (working && seen.every((c) => c?.url === url && c.token === working)) return;
  writeOrLog(host, folder, profile, working ?? issueToken(host.store, profile.personality), url);
}

function writeOrLog(host: Host, folder: string, profile: Profile, token: string, url: string) {
  const wrote = writeMcpConfigs(folder, profile.runtimes, token, url);
  if (!wrote.ok)
    host.events.write("mcp-config-failed", { peer: profile.personality, error: wrote.error });
}
