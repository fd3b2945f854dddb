import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import { VERSION } from "../core/version";
import type { SendOutcome } from "../transport/types";
import { bearerToken } from "./tcp-gate";

/**
 * The MCP endpoint: one tool, `send_to_peer`, over stateless streamable HTTP. Every request
 * carries the caller's peer token, so there is no session to keep and a fresh server per request
 * costs nothing worth saving.
 */

export interface McpCaller {
  personality: string;
}

export interface McpSendArgs {
  personality: string;
  message: string;
  runtime?: string;
  topic?: string;
  attachments?: string[];
}

export interface McpDeps {
  authenticate(token: string): McpCaller | undefined;
  send(from: McpCaller, args: McpSendArgs): Promise<SendOutcome>;
}

const SEND_TOOL = "send_to_peer";

const SEND_DESCRIPTION = [
  "Send a message to another iapeer peer (an AI agent, or a person behind a chat bridge), on this host or another one.",
  "You are the sender: the message goes out under your own peer name, which iapeer knows from your token.",
  "iapeer stores the message, wakes the recipient if it is asleep and types the message into its session.",
  'The result is JSON {"ok", "id", "outcome", "woke", "error", "reason"}. outcome is "delivered" (typed in and confirmed',
  'on the recipient\'s screen), "queued" (stored, delivered when the recipient can take it; "reason" says what it waits for,',
  'e.g. a person\'s answer to a dialog), "unconfirmed" (typed in, landing not confirmed) or "failed" (not sent; "error" says why,',
  "e.g. an unknown peer, a body over the size limit — put long content in a file and pass its absolute path in attachments —",
  "or a conversation between agents that went too many hops: then answer in your own reply instead of sending on).",
].join(" ");

const sendInput = {
  personality: z
    .string()
    .describe("The recipient: the peer's name, or name@host for a peer on another host."),
  message: z.string().describe("The message text."),
  runtime: z
    .string()
    .optional()
    .describe("Which of the recipient's runtimes to deliver to; its default when omitted."),
  topic: z.string().optional().describe("A short subject line."),
  attachments: z
    .array(z.string())
    .optional()
    .describe("Absolute paths of files for the recipient to read."),
};

/** Failed sends are tool errors so the model notices; the outcome JSON says why either way. */
function toolResult(outcome: SendOutcome): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(outcome) }],
    isError: !outcome.ok || outcome.outcome === "failed",
  };
}

function buildServer(caller: McpCaller, deps: McpDeps): McpServer {
  const server = new McpServer({ name: "iapeer", version: VERSION });
  server.registerTool(
    SEND_TOOL,
    { title: "Send to peer", description: SEND_DESCRIPTION, inputSchema: sendInput },
    async (args) => toolResult(await deps.send(caller, args)),
  );
  return server;
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  return Response.json(body, { status, headers });
}

export async function handleMcp(request: Request, deps: McpDeps): Promise<Response> {
  const token = bearerToken(request);
  const caller = token === undefined ? undefined : deps.authenticate(token);
  if (caller === undefined) {
    const error = token === undefined ? "missing bearer token" : "unknown token";
    const challenge =
      token === undefined
        ? 'Bearer realm="iapeer"'
        : 'Bearer realm="iapeer", error="invalid_token"';
    return jsonResponse(401, { error }, { "WWW-Authenticate": challenge });
  }
  // Stateless: no SSE stream to open with GET and no session to end with DELETE. The transport
  // would answer a GET with a stream that never closes, so refuse here.
  if (request.method !== "POST") {
    return jsonResponse(
      405,
      { jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed." }, id: null },
      { Allow: "POST" },
    );
  }
  const server = buildServer(caller, deps);
  // JSON responses (not SSE) make the Response complete when handleRequest resolves, so the
  // server can be closed right after.
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  try {
    await server.connect(transport);
    return await transport.handleRequest(request);
  } finally {
    await server.close();
  }
}
