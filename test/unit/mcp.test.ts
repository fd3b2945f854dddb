import { afterEach, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { handleMcp, type McpCaller, type McpDeps, type McpSendArgs } from "../../src/daemon/mcp";
import type { SendOutcome } from "../../src/transport/types";

const TOKENS: Record<string, string> = { "iap_ana-secret": "ana", "iap_bo-secret": "bo" };
const OVER_LIMIT: SendOutcome = {
  ok: false,
  outcome: "failed",
  woke: false,
  error:
    "message body is 16001 characters, the limit is 16000; put the long content in a file and send its path",
};

interface Harness {
  url: URL;
  sent: { from: McpCaller; args: McpSendArgs }[];
}

const servers: Bun.Server<undefined>[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const server of servers.splice(0)) await server.stop(true);
});

/** A real HTTP server on loopback in front of fake deps that record what they are asked. */
function serve(): Harness {
  const sent: Harness["sent"] = [];
  const deps: McpDeps = {
    authenticate: (token) => {
      const personality = TOKENS[token];
      return personality === undefined ? undefined : { personality };
    },
    send: async (from, args) => {
      sent.push({ from, args });
      if (args.message.length > 16_000) return OVER_LIMIT;
      return { ok: true, id: "m1", outcome: "delivered", woke: true };
    },
  };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req) => handleMcp(req, deps),
  });
  servers.push(server);
  return { url: new URL(`http://127.0.0.1:${server.port}/mcp`), sent };
}

async function connect(url: URL, token?: string): Promise<Client> {
  const client = new Client({ name: "iapeer-test", version: "0.0.0" });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const text = (result: CallToolResult): string => {
  const first = result.content[0];
  return first?.type === "text" ? first.text : "";
};

describe("the MCP endpoint", () => {
  test("offers exactly one tool, send_to_peer, with its inputs", async () => {
    const { url } = serve();
    const { tools } = await (await connect(url, "iap_ana-secret")).listTools();
    expect(tools.map((t) => t.name)).toEqual(["send_to_peer"]);
    const [tool] = tools;
    expect(Object.keys(tool?.inputSchema.properties ?? {}).sort()).toEqual([
      "attachments",
      "message",
      "personality",
      "runtime",
      "topic",
    ]);
    expect(tool?.inputSchema.required?.sort()).toEqual(["message", "personality"]);
    expect(tool?.description).toContain("sender");
  });

  test("sends as the authenticated peer and returns the outcome", async () => {
    const { url, sent } = serve();
    const client = await connect(url, "iap_bo-secret");
    const args = {
      personality: "ana",
      message: "hello",
      topic: "greeting",
      attachments: ["/tmp/notes.md"],
    };
    const result = (await client.callTool({
      name: "send_to_peer",
      arguments: args,
    })) as CallToolResult;
    expect(sent).toEqual([{ from: { personality: "bo" }, args }]);
    expect(result.isError).toBe(false);
    expect(JSON.parse(text(result))).toEqual({
      ok: true,
      id: "m1",
      outcome: "delivered",
      woke: true,
    });
  });

  test("a failed send is a tool error that says why", async () => {
    const { url } = serve();
    const client = await connect(url, "iap_ana-secret");
    const result = (await client.callTool({
      name: "send_to_peer",
      arguments: { personality: "bo", message: "x".repeat(16_001) },
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("the limit is 16000");
    expect(JSON.parse(text(result))).toEqual(OVER_LIMIT);
  });

  test("a sender cannot be named in the arguments", async () => {
    const { url, sent } = serve();
    const client = await connect(url, "iap_ana-secret");
    await client.callTool({
      name: "send_to_peer",
      arguments: { personality: "bo", message: "hi", from: "bo" },
    });
    expect(sent[0]?.from).toEqual({ personality: "ana" });
    expect(sent[0]?.args).not.toHaveProperty("from");
  });

  for (const [label, headers] of [
    ["a missing token", {}],
    ["a wrong token", { Authorization: "Bearer iap_nope" }],
  ] as const) {
    test(`${label} is refused with 401 before MCP sees the request`, async () => {
      const { url, sent } = serve();
      const response = await fetch(url, {
        method: "POST",
        headers: {
          ...headers,
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toStartWith("Bearer");
      expect(((await response.json()) as { error: string }).error).toBeString();
      expect(sent).toEqual([]);
    });
  }

  test("the SDK client cannot connect without the right token", async () => {
    const { url } = serve();
    for (const token of [undefined, "iap_nope"]) {
      // StreamableHTTPError carries the HTTP status as its code.
      await expect(connect(url, token)).rejects.toMatchObject({ code: 401 });
    }
  });

  test("GET and DELETE are not allowed: there is no stream or session", async () => {
    const { url } = serve();
    for (const method of ["GET", "DELETE"]) {
      const response = await fetch(url, {
        method,
        headers: { Authorization: "Bearer iap_ana-secret", Accept: "text/event-stream" },
      });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
    }
  });
});
