import { describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { createPeer } from "../../src/registry/create";
import { issueToken } from "../../src/registry/tokens";
import { startDaemon } from "../helpers/daemon";
import { freePort } from "../helpers/port";
import { sandbox } from "../helpers/sandbox";

/**
 * A page in the user's browser can make it call 127.0.0.1 under a rebound DNS name, or post from
 * its own origin. Every TCP endpoint refuses a foreign Host (421) or Origin (403) before it looks
 * at the token, as the dashboard does and as the MCP specification asks of a local server.
 */

/** One raw HTTP/1.1 request, headers exactly as given (fetch would set Host itself). */
function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body = "",
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString();
    });
    socket.on("error", reject);
    socket.on("close", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, text: data.slice(data.indexOf("\r\n\r\n") + 4) });
    });
    socket.on("connect", () => {
      const lines = [`${method} ${path} HTTP/1.1`, "Connection: close"];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
      socket.write(`${lines.join("\r\n")}\r\n\r\n${body}`);
    });
  });
}

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "test", version: "1" },
  },
});
const MCP_HEADERS = {
  "Content-Type": "application/json",
  Accept: "application/json, text/event-stream",
};

/** A daemon on its own home and port, with one peer whose token the caller holds. */
async function daemonWithPeer() {
  const port = await freePort();
  const sb = sandbox({ IAPEER_PORT: String(port) });
  const host = sb.host();
  const made = createPeer(host, { name: "ana", runtime: "echo" });
  if (!made.ok) throw new Error(made.error);
  const auth = { Authorization: `Bearer ${issueToken(host.store, "ana")}` };
  await startDaemon(sb, { IAPEER_PORT: String(port) });
  return { port, host, auth };
}

describe("Host and Origin on the daemon's TCP endpoints", () => {
  test("a valid token with the loopback Host (by address or name), no Origin or its own, is served", async () => {
    const { port, auth } = await daemonWithPeer();
    for (const h of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await rawRequest(port, "GET", "/v1/peers", { Host: h, ...auth })).status).toBe(200);
      const own = { Host: h, Origin: `http://${h}`, ...auth };
      expect((await rawRequest(port, "GET", "/v1/peers", own)).status).toBe(200);
      const mcp = await rawRequest(port, "POST", "/mcp", { ...own, ...MCP_HEADERS }, INITIALIZE);
      expect(mcp.status).toBe(200);
      expect(mcp.text).toContain("serverInfo");
    }
  }, 60_000);

  test("a foreign Host is 421 on /mcp and /v1, token or not, and nothing is sent", async () => {
    const { port, host, auth } = await daemonWithPeer();
    for (const h of ["evil.example.com", `evil.example.com:${port}`, "127.0.0.1:1", "[::1]"]) {
      for (const headers of [{ Host: h, ...auth }, { Host: h }]) {
        const peers = await rawRequest(port, "GET", "/v1/peers", headers);
        expect(peers.status).toBe(421);
        expect(peers.text).toContain("answers only to");
        const mcp = await rawRequest(
          port,
          "POST",
          "/mcp",
          { ...headers, ...MCP_HEADERS },
          INITIALIZE,
        );
        expect(mcp.status).toBe(421);
        const sent = await rawRequest(
          port,
          "POST",
          "/v1/send",
          { ...headers, "Content-Type": "application/json" },
          JSON.stringify({ to: "ana", body: "rebound" }),
        );
        expect(sent.status).toBe(421);
      }
    }
    const messages = host.store.db.query("SELECT count(*) AS n FROM messages").get() as {
      n: number;
    };
    expect(messages.n).toBe(0);
  }, 60_000);

  test("a foreign Origin is 403 even with the loopback Host and a valid token", async () => {
    const { port, auth } = await daemonWithPeer();
    for (const origin of [
      "http://evil.example.com",
      `http://evil.example.com:${port}`,
      "null",
      `https://127.0.0.1:${port}`,
      `http://127.0.0.1:${port + 1}`,
    ]) {
      const headers = { Host: `127.0.0.1:${port}`, Origin: origin, ...auth };
      expect((await rawRequest(port, "GET", "/v1/peers", headers)).status).toBe(403);
      const mcp = await rawRequest(
        port,
        "POST",
        "/mcp",
        { ...headers, ...MCP_HEADERS },
        INITIALIZE,
      );
      expect(mcp.status).toBe(403);
      expect(mcp.text).toContain("refused");
    }
  }, 60_000);

  test("the Host is checked before the token: a foreign Host with no token is 421, not 401", async () => {
    const { port } = await daemonWithPeer();
    const h = { Host: `127.0.0.1:${port}` };
    expect((await rawRequest(port, "GET", "/v1/peers", h)).status).toBe(401);
    expect((await rawRequest(port, "GET", "/v1/peers", { Host: "evil.example.com" })).status).toBe(
      421,
    );
    expect(
      (await rawRequest(port, "GET", "/v1/peers", { ...h, Origin: "http://evil.example.com" }))
        .status,
    ).toBe(403);
  }, 60_000);
});
