import { afterEach, describe, expect, test } from "bun:test";
import {
  fillSchema,
  type LoggedRequest,
  type ModelServer,
  startModelServer,
} from "../helpers/model-server";

const servers: ModelServer[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

function start(...args: Parameters<typeof startModelServer>): ModelServer {
  const server = startModelServer(...args);
  servers.push(server);
  return server;
}

interface SseEvent {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of several shapes
  data: any;
}

async function post(server: ModelServer, path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function readSse(res: Response): Promise<SseEvent[]> {
  expect(res.headers.get("content-type")).toStartWith("text/event-stream");
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((chunk) => chunk.trim() !== "")
    .map((chunk) => {
      const event = /^event: (.*)$/m.exec(chunk)?.[1] ?? "";
      const data = /^data: (.*)$/m.exec(chunk)?.[1] ?? "null";
      return { event, data: JSON.parse(data) };
    });
}

/** Text and tool calls from an Anthropic stream, rebuilt the way a client does. */
function anthropicFromStream(events: SseEvent[]) {
  const blocks: { type: string; text: string; json: string; name?: string; id?: string }[] = [];
  let stopReason: string | undefined;
  for (const { data } of events) {
    if (data.type === "content_block_start") {
      blocks[data.index] = {
        type: data.content_block.type,
        text: data.content_block.text ?? "",
        json: "",
        name: data.content_block.name,
        id: data.content_block.id,
      };
    } else if (data.type === "content_block_delta") {
      const block = blocks[data.index];
      if (!block) throw new Error("delta before start");
      if (data.delta.type === "text_delta") block.text += data.delta.text;
      else block.json += data.delta.partial_json;
    } else if (data.type === "message_delta") stopReason = data.delta.stop_reason;
  }
  return { blocks, stopReason };
}

const REMINDER = { type: "text", text: "<system-reminder>\nSome context.\n</system-reminder>\n" };

function claudeBody(
  messages: unknown[],
  tools: unknown[] = [{ name: "Bash", input_schema: {} }],
  stream = true,
) {
  return { model: "claude-test", max_tokens: 1000, stream, system: [], messages, tools };
}

const CLAUDE_SEND_TOOL = {
  name: "mcp__iapeer__send_to_peer",
  description: "Send a message",
  input_schema: { type: "object", properties: {} },
};

const CODEX_PREFIX = [
  { type: "message", role: "developer", content: [{ type: "input_text", text: "You are Codex" }] },
  {
    type: "message",
    role: "user",
    content: [
      {
        type: "input_text",
        text: "<environment_context>\n  <cwd>/tmp</cwd>\n</environment_context>",
      },
    ],
  },
];

function codexUser(text: string) {
  return { type: "message", role: "user", content: [{ type: "input_text", text }] };
}

const CODEX_TOOLS = [
  { type: "function", name: "exec_command", parameters: {} },
  {
    type: "namespace",
    name: "mcp__iapeer",
    description: "Tools in the mcp__iapeer namespace.",
    tools: [{ type: "function", name: "send_to_peer", parameters: {} }],
  },
];

function codexBody(input: unknown[], tools: unknown[] = CODEX_TOOLS, stream = true) {
  return { model: "gpt-test", stream, input, tools, tool_choice: "auto" };
}

describe("Anthropic Messages API", () => {
  test("streams an echo of the user's own text, system reminders left out", async () => {
    const server = start();
    const res = await post(
      server,
      "/v1/messages?beta=true",
      claudeBody([{ role: "user", content: [REMINDER, { type: "text", text: "hello there" }] }]),
    );
    expect(res.status).toBe(200);
    const events = await readSse(res);
    expect(events[0]?.event).toBe("message_start");
    expect(events[0]?.data.message.role).toBe("assistant");
    expect(events.map((e) => e.event)).toContain("content_block_start");
    expect(events.slice(-3).map((e) => e.event)).toEqual([
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const { blocks, stopReason } = anthropicFromStream(events);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.text).toBe("echo: hello there");
    expect(stopReason).toBe("end_turn");
    const delta = events.find((e) => e.event === "message_delta");
    expect(delta?.data.usage.output_tokens).toBeGreaterThan(0);

    expect(server.userTexts()).toEqual(["hello there"]);
    expect(server.userTexts("anthropic")).toEqual(["hello there"]);
    expect(server.userTexts("openai")).toEqual([]);
    const logged = server.requests[0];
    expect(logged?.method).toBe("POST");
    expect(logged?.path).toBe("/v1/messages");
    expect(logged?.search).toBe("?beta=true");
    expect(logged?.api).toBe("anthropic");
    expect(logged?.kind).toBe("main");
    expect(logged?.time).toBeGreaterThan(0);
    expect(logged?.body).toMatchObject({ model: "claude-test", stream: true });
  });

  test("answers plain JSON when not streaming, long text cut to one line", async () => {
    const server = start({ maxEcho: 10 });
    const res = await post(
      server,
      "/v1/messages",
      claudeBody([{ role: "user", content: "line one\nline two and more" }], [], false),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.type).toBe("message");
    expect(body.role).toBe("assistant");
    expect(body.stop_reason).toBe("end_turn");
    expect(body.content).toEqual([{ type: "text", text: "echo: line one l…" }]);
    expect((body.usage as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
  });

  test("count_tokens, HEAD / and GET / answer; other paths are 404 and logged", async () => {
    const server = start();
    const counted = await post(server, "/v1/messages/count_tokens", {
      model: "m",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(counted.status).toBe(200);
    const { input_tokens } = (await counted.json()) as { input_tokens: number };
    expect(input_tokens).toBeGreaterThan(0);

    expect((await fetch(server.url, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${server.url}/`)).status).toBe(200);

    const missing = await post(server, "/v1/nothing", { a: 1 });
    expect(missing.status).toBe(404);
    const error = (await missing.json()) as { error: { message: string } };
    expect(error.error.message).toContain("/v1/nothing");

    expect(server.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ["POST", "/v1/messages/count_tokens", 200],
      ["HEAD", "/", 200],
      ["GET", "/", 200],
      ["POST", "/v1/nothing", 404],
    ]);
    expect(server.requests[3]?.body).toEqual({ a: 1 });
    // None of these is a model request.
    expect(server.modelRequests(undefined, { includeSide: true })).toEqual([]);
  });

  test("a trigger calls the offered MCP tool once, then answers with its result", async () => {
    const server = start();
    const trigger = server.onTrigger("PLEASE_CALL", {
      name: "send_to_peer",
      args: { personality: "echo1", message: "hi from agent" },
    });
    const user = { role: "user", content: [REMINDER, { type: "text", text: "PLEASE_CALL now" }] };
    const first = anthropicFromStream(
      await readSse(await post(server, "/v1/messages", claudeBody([user], [CLAUDE_SEND_TOOL]))),
    );
    expect(first.stopReason).toBe("tool_use");
    const block = first.blocks[0];
    expect(block?.type).toBe("tool_use");
    expect(block?.name).toBe("mcp__iapeer__send_to_peer");
    expect(JSON.parse(block?.json ?? "")).toEqual({
      personality: "echo1",
      message: "hi from agent",
    });
    expect(server.toolCalls).toHaveLength(1);
    expect(server.toolCalls[0]).toMatchObject({
      api: "anthropic",
      name: "mcp__iapeer__send_to_peer",
      trigger: "PLEASE_CALL",
      id: block?.id,
      args: { personality: "echo1", message: "hi from agent" },
    });
    expect(trigger.fired).toBe(1);

    const history = [
      user,
      {
        role: "assistant",
        content: [{ type: "tool_use", id: block?.id, name: block?.name, input: {} }],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: block?.id,
            content: [{ type: "text", text: '{"ok":true}' }],
          },
        ],
      },
    ];
    const second = anthropicFromStream(
      await readSse(await post(server, "/v1/messages", claudeBody(history, [CLAUDE_SEND_TOOL]))),
    );
    expect(second.stopReason).toBe("end_turn");
    expect(second.blocks[0]?.text).toBe('tool result: {"ok":true}');
    expect(server.toolResults).toEqual([
      {
        api: "anthropic",
        requestIndex: 1,
        id: block?.id ?? "",
        name: "mcp__iapeer__send_to_peer",
        text: '{"ok":true}',
      },
    ]);
    // Only the first request opened a user turn; the second carried the tool result.
    expect(server.userTexts()).toEqual(["PLEASE_CALL now"]);
    expect(server.requests[1]?.turnText).toBe("PLEASE_CALL now");
    expect(server.toolCalls).toHaveLength(1);

    // The same turn again (a retry with the call in its history): no second call.
    const again = await post(
      server,
      "/v1/messages",
      claudeBody(history, [CLAUDE_SEND_TOOL], false),
    );
    expect(((await again.json()) as { stop_reason: string }).stop_reason).toBe("end_turn");
    expect(server.toolCalls).toHaveLength(1);

    // A new user turn with the word calls again.
    const next = [
      ...history,
      { role: "assistant", content: [{ type: "text", text: "done" }] },
      { role: "user", content: "PLEASE_CALL again" },
    ];
    await (await post(server, "/v1/messages", claudeBody(next, [CLAUDE_SEND_TOOL]))).text();
    expect(server.toolCalls).toHaveLength(2);
    expect(trigger.fired).toBe(2);
  });

  test("a deferred MCP tool is loaded with ToolSearch first (Claude's tool search)", async () => {
    const server = start();
    server.onTrigger("PLEASE_CALL", {
      name: "send_to_peer",
      args: { personality: "p", message: "m" },
    });
    const tools = [
      { name: "ToolSearch", input_schema: {} },
      { name: "DeferredToolPlaceholder", input_schema: {}, defer_loading: true },
    ];
    const user = { role: "user", content: [REMINDER, { type: "text", text: "go PLEASE_CALL" }] };
    const announce = {
      role: "system",
      content: [
        { type: "text", text: "deferred tools via ToolSearch:\nmcp__iapeer__send_to_peer\n" },
      ],
    };
    const first = anthropicFromStream(
      await readSse(await post(server, "/v1/messages", claudeBody([user, announce], tools))),
    );
    expect(first.blocks[0]?.name).toBe("ToolSearch");
    expect(JSON.parse(first.blocks[0]?.json ?? "")).toEqual({
      query: "select:mcp__iapeer__send_to_peer",
    });
    expect(server.toolCalls).toEqual([]);

    const loaded = [
      user,
      announce,
      {
        role: "assistant",
        content: [{ type: "tool_use", id: first.blocks[0]?.id, name: "ToolSearch", input: {} }],
      },
      {
        role: "user",
        content: [
          {
            type: "tool_result",
            tool_use_id: first.blocks[0]?.id,
            content: [{ type: "tool_reference", tool_name: "mcp__iapeer__send_to_peer" }],
          },
          { type: "text", text: "Tool loaded." },
        ],
      },
    ];
    const withTool = [...tools, { ...CLAUDE_SEND_TOOL, defer_loading: true }];
    const second = anthropicFromStream(
      await readSse(await post(server, "/v1/messages", claudeBody(loaded, withTool))),
    );
    expect(second.blocks[0]?.name).toBe("mcp__iapeer__send_to_peer");
    expect(server.toolCalls.map((c) => c.name)).toEqual(["mcp__iapeer__send_to_peer"]);
    // "Tool loaded." is Claude's, not the user's; the ToolSearch result is not a tool result.
    expect(server.userTexts()).toEqual(["go PLEASE_CALL"]);
    expect(server.toolResults).toEqual([]);
  });

  test("no tool call without the tool offered; a side request is left out of userTexts", async () => {
    const server = start();
    server.onTrigger("PLEASE_CALL", { name: "send_to_peer", args: {} });
    const res = await post(
      server,
      "/v1/messages",
      claudeBody([{ role: "user", content: "title for: PLEASE_CALL" }], [], false),
    );
    const body = (await res.json()) as { content: { type: string }[] };
    expect(body.content[0]?.type).toBe("text");
    expect(server.toolCalls).toEqual([]);
    expect(server.requests[0]?.kind).toBe("side");
    expect(server.userTexts()).toEqual([]);
    expect(server.userTexts("anthropic", { includeSide: true })).toEqual([
      "title for: PLEASE_CALL",
    ]);
  });
});

describe("OpenAI Responses API", () => {
  test("streams an echo of the typed text, Codex's injected messages left out", async () => {
    const server = start();
    const res = await post(
      server,
      "/v1/responses",
      codexBody([...CODEX_PREFIX, codexUser("hi codex")]),
    );
    expect(res.status).toBe(200);
    const events = await readSse(res);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe("response.created");
    expect(names).toContain("response.output_item.added");
    expect(names).toContain("response.output_text.delta");
    expect(names.slice(-2)).toEqual(["response.output_item.done", "response.completed"]);
    const text = events
      .filter((e) => e.event === "response.output_text.delta")
      .map((e) => e.data.delta)
      .join("");
    expect(text).toBe("echo: hi codex");
    const done = events.find((e) => e.event === "response.output_item.done")?.data.item;
    expect(done).toMatchObject({ type: "message", role: "assistant" });
    expect(done.content[0]).toMatchObject({ type: "output_text", text: "echo: hi codex" });
    const completed = events.at(-1)?.data.response;
    expect(completed.status).toBe("completed");
    expect(completed.usage.total_tokens).toBeGreaterThan(0);
    expect(server.userTexts("openai")).toEqual(["hi codex"]);
  });

  test("answers plain JSON when not streaming; a string input counts as the user's", async () => {
    const server = start();
    const res = await post(server, "/v1/responses", { model: "m", input: "plain input" });
    const body = (await res.json()) as { status: string; output: unknown[] };
    expect(body.status).toBe("completed");
    expect(body.output[0]).toMatchObject({
      type: "message",
      content: [{ type: "output_text", text: "echo: plain input" }],
    });
    expect(server.userTexts("openai", { includeSide: true })).toEqual(["plain input"]);
  });

  test("a trigger calls the namespaced MCP tool once, then answers with its result", async () => {
    const server = start();
    server.onTrigger("PLEASE_CALL", {
      name: "send_to_peer",
      args: { personality: "echo1", message: "hi from agent" },
    });
    const input = [...CODEX_PREFIX, codexUser("PLEASE_CALL please")];
    const events = await readSse(await post(server, "/v1/responses", codexBody(input)));
    const item = events.find((e) => e.event === "response.output_item.done")?.data.item;
    expect(item).toMatchObject({
      type: "function_call",
      name: "send_to_peer",
      namespace: "mcp__iapeer",
    });
    expect(JSON.parse(item.arguments)).toEqual({ personality: "echo1", message: "hi from agent" });
    expect(item.call_id).toBe(server.toolCalls[0]?.id);
    expect(events.map((e) => e.event)).toContain("response.function_call_arguments.delta");
    expect(server.toolCalls[0]).toMatchObject({
      api: "openai",
      name: "send_to_peer",
      namespace: "mcp__iapeer",
    });

    const followUp = [
      ...input,
      { ...item },
      {
        type: "function_call_output",
        call_id: item.call_id,
        output: [
          { type: "input_text", text: "Wall time: 0.0294 seconds\nOutput:" },
          { type: "input_text", text: '{"ok":true}' },
        ],
      },
    ];
    const res = await post(server, "/v1/responses", codexBody(followUp, CODEX_TOOLS, false));
    const body = (await res.json()) as { output: { content: { text: string }[] }[] };
    expect(body.output[0]?.content[0]?.text).toBe('tool result: {"ok":true}');
    expect(server.toolResults).toEqual([
      {
        api: "openai",
        requestIndex: 1,
        id: item.call_id,
        name: "send_to_peer",
        text: '{"ok":true}',
      },
    ]);
    expect(server.toolCalls).toHaveLength(1);
    expect(server.userTexts("openai")).toEqual(["PLEASE_CALL please"]);
    await server.waitForToolResult('"ok":true', 100);

    const entries = server.conversation(server.modelRequests()[1] as LoggedRequest);
    expect(entries.map((e) => e.kind)).toEqual([
      "text",
      "text",
      "text",
      "tool_call",
      "tool_result",
    ]);
    expect(entries[3]?.text).toContain("mcp__iapeer.send_to_peer");
  });

  test("a trigger limited to one server ignores another server's tool", async () => {
    const server = start();
    server.onTrigger("PLEASE_CALL", { name: "send_to_peer", server: "other", args: {} });
    const res = await post(
      server,
      "/v1/responses",
      codexBody([codexUser("PLEASE_CALL")], CODEX_TOOLS, false),
    );
    const body = (await res.json()) as { output: { type: string }[] };
    expect(body.output[0]?.type).toBe("message");
    expect(server.toolCalls).toEqual([]);
  });

  test("a structured side request (Codex's thread title) gets JSON that fits its schema", async () => {
    const server = start();
    const schema = {
      type: "object",
      properties: { title: { type: "string", minLength: 1, maxLength: 36 } },
      required: ["title"],
      additionalProperties: false,
    };
    const res = await post(server, "/v1/responses", {
      model: "m",
      stream: false,
      tools: [],
      text: { format: { type: "json_schema", strict: true, schema, name: "codex_output_schema" } },
      input: [codexUser("Generate a concise title.\n\nUser prompt:\nhello codex one")],
    });
    const body = (await res.json()) as { output: { content: { text: string }[] }[] };
    const title = JSON.parse(body.output[0]?.content[0]?.text ?? "") as { title: string };
    expect(title).toEqual({ title: "echo: hello codex one" });
    expect(server.requests[0]?.kind).toBe("side");
    expect(fillSchema(schema, "x".repeat(50))).toEqual({ title: "x".repeat(36) });
  });
});

describe("waiting and options", () => {
  test("waitForUserText resolves when the text arrives and times out with what it saw", async () => {
    const server = start();
    const waiting = server.waitForUserText(/late/, 2000);
    setTimeout(() => {
      void post(server, "/v1/responses", codexBody([codexUser("a late message")]));
    }, 50);
    expect(await waiting).toBe("a late message");
    await expect(server.waitForUserText("never", 100)).rejects.toThrow(
      /timed out .*POST \/v1\/responses/,
    );
    const request = await server.waitForRequest((r) => r.api === "openai", 100);
    expect(request.index).toBe(0);
  });

  test("a custom reply replaces the echo", async () => {
    const server = start({ reply: ({ api, userText }) => `${api} says ${userText.length}` });
    const res = await post(
      server,
      "/v1/messages",
      claudeBody([{ role: "user", content: "abc" }], undefined, false),
    );
    const body = (await res.json()) as { content: { text: string }[] };
    expect(body.content[0]?.text).toBe("anthropic says 3");
  });
});
