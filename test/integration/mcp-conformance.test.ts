import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createPeer } from "../../src/registry/create";
import { issueToken } from "../../src/registry/tokens";
import { agentBinDir, PINS } from "../helpers/agent-pins";
import { startDaemon } from "../helpers/daemon";
import { freePort } from "../helpers/port";
import { sandbox } from "../helpers/sandbox";

/**
 * The official MCP conformance suite (pinned in scripts/agents.json, installed outside the
 * project's dependencies by scripts/install-agents.ts) against the daemon's `/mcp`, run with Bun.
 * The scenarios that apply to a server with one tool of its own: initialize, ping, tools/list and
 * DNS-rebinding protection. The suite cannot send a token, so a loopback proxy adds a peer's and
 * passes Host and Origin through as they come (its own address becomes the daemon's, as a
 * browser's request to the daemon would name it).
 */

const SCENARIOS = ["server-initialize", "ping", "tools-list", "dns-rebinding-protection"];

const bin = agentBinDir("conformance");
const required = process.env.IAPEER_REQUIRE_REAL_AGENTS === "1";
if (!bin && required)
  throw new Error(
    "the MCP conformance suite is not installed (bun scripts/install-agents.ts), and IAPEER_REQUIRE_REAL_AGENTS=1 wants it run",
  );
if (!bin)
  console.log(
    `${PINS.conformance.package}@${PINS.conformance.version} is not installed (bun scripts/install-agents.ts): its tests are skipped`,
  );

/** A loopback proxy that adds the token and keeps Host and Origin, but for its own address. */
function tokenProxy(daemonPort: number, token: string): ReturnType<typeof Bun.serve> {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const own = [`localhost:${server.port}`, `127.0.0.1:${server.port}`];
      const headers = new Headers(req.headers);
      const host = headers.get("host") ?? "";
      headers.set("host", own.includes(host) ? `127.0.0.1:${daemonPort}` : host);
      const origin = headers.get("origin");
      if (origin !== null && own.some((o) => origin === `http://${o}`))
        headers.set("origin", `http://127.0.0.1:${daemonPort}`);
      headers.set("authorization", `Bearer ${token}`);
      const url = new URL(req.url);
      return fetch(`http://127.0.0.1:${daemonPort}${url.pathname}${url.search}`, {
        method: req.method,
        headers,
        ...(req.method !== "GET" && req.method !== "HEAD" && { body: await req.arrayBuffer() }),
      });
    },
  });
  return server;
}

describe.skipIf(!bin)("the MCP conformance suite against /mcp", () => {
  test.each(SCENARIOS)(
    "%s passes",
    async (scenario) => {
      const port = await freePort();
      const sb = sandbox({ IAPEER_PORT: String(port) });
      const host = sb.host();
      const made = createPeer(host, { name: "ana", runtime: "echo" });
      if (!made.ok) throw new Error(made.error);
      const token = issueToken(host.store, "ana");
      await startDaemon(sb, { IAPEER_PORT: String(port) });
      const proxy = tokenProxy(port, token);
      try {
        const run = Bun.spawn(
          [
            process.execPath,
            join(bin as string, "conformance"),
            "server",
            "--url",
            `http://localhost:${proxy.port}/mcp`,
            "--scenario",
            scenario,
          ],
          { stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
        );
        const [code, out, err] = await Promise.all([
          run.exited,
          new Response(run.stdout).text(),
          new Response(run.stderr).text(),
        ]);
        expect(`${out}${err}`).not.toContain("FAIL");
        expect(out).toMatch(/Passed: (\d+)\/\1, 0 failed/);
        expect(code).toBe(0);
      } finally {
        await proxy.stop(true);
      }
    },
    60_000,
  );
});
