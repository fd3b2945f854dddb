/**
 * A scripted model server for tests that run the real Claude Code and Codex CLIs offline.
 *
 * It speaks enough of the Anthropic Messages API (`POST /v1/messages`, streaming or not, and
 * `POST /v1/messages/count_tokens`) and of the OpenAI Responses API (`POST /v1/responses`, streaming
 * or not) for both CLIs to run a conversation against it. Its answers are deterministic: it echoes
 * the user's text (`echo: <text>`), or, when a trigger word is in the user's text and the request
 * offers the trigger's tool, it calls that tool once and then answers `tool result: <text>`.
 *
 * Everything is logged: every request (method, path, parsed JSON body, time), the user texts the
 * model received, the tool calls it made and the tool results it got back.
 *
 * What the real CLIs send (measured with Claude Code 2.1.332 and Codex 0.169.0):
 * - Claude: `POST /v1/messages?beta=true`, streaming; the typed text is a text block of its own
 *   after `<system-reminder>` blocks; a `role: "system"` message may follow it. MCP tools are
 *   deferred (`defer_loading`, named in a system message, loaded with the `ToolSearch` tool) unless
 *   ENABLE_TOOL_SEARCH=false, when `mcp__<server>__<tool>` is in `tools` directly; the server
 *   handles both (it calls ToolSearch `select:<name>` first when it must).
 * - Codex: `POST /v1/responses`, streaming; developer messages and an `<environment_context>` user
 *   message come before the typed text; MCP tools come as `{type: "namespace", name:
 *   "mcp__<server>", tools: [{type: "function", name: "<tool>", …}]}`. After the first turn it
 *   sends a side request for the thread title (no tools, `text.format` a JSON schema).
 */

export type Api = "anthropic" | "openai";

/** One request the server received, whatever its path. */
export interface LoggedRequest {
  /** Position in `requests`, from 0. */
  index: number;
  method: string;
  /** The URL's path, without the query. */
  path: string;
  /** The URL's query string, with its "?", or "". */
  search: string;
  headers: Record<string, string>;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when there is none. */
  body: unknown;
  /** Date.now() when it arrived. */
  time: number;
  /** The model API of a model request (`/v1/messages`, `/v1/responses`); undefined otherwise. */
  api?: Api;
  /**
   * For a model request: "main" when it offers tools (the agent's own conversation), "side" when
   * it offers none (Codex's thread title, title generation and other one-off requests).
   */
  kind?: "main" | "side";
  /**
   * For a model request that opens a user turn (its newest input is the user's message): the
   * user's own text, without what the CLI wraps around it (see `userTextOf`). Undefined on the
   * follow-up requests of a turn (after a tool result).
   */
  userText?: string;
  /** For a model request: the user's text of the turn in progress, also on follow-ups. */
  turnText?: string;
  /** For a model request: how the server answered. */
  reply?: { kind: "text"; text: string } | { kind: "tool_call"; call: ToolCall };
  /** The HTTP status the server answered with. */
  status?: number;
}

/** A tool call that a trigger asks for. */
export interface TriggerCall {
  /**
   * The tool's name as the MCP server names it, e.g. "send_to_peer". A tool offered as
   * `mcp__<server>__send_to_peer` (Claude), or as `send_to_peer` inside a namespace tool
   * `mcp__<server>` (Codex), or under its bare name, matches.
   */
  name: string;
  /** The arguments of the call. */
  args: Record<string, unknown>;
  /** Only match a tool of this MCP server (the `<server>` in `mcp__<server>__…`). */
  server?: string;
}

export interface Trigger extends TriggerCall {
  /** The word (or any substring) that, in the user's text, fires the trigger. */
  word: string;
  /** How many times it fired. */
  fired: number;
  /** When set, fire at most this many times in all. */
  times?: number;
}

/**
 * A tool call of a trigger's tool the server answered with. (A ToolSearch call made on the way to a
 * deferred tool is not one: it shows only in its request's `reply`.)
 */
export interface ToolCall {
  api: Api;
  /** Index of the request it answered. */
  requestIndex: number;
  /** The trigger word that fired it. */
  trigger: string;
  /** tool_use id (Anthropic) or call_id (OpenAI). */
  id: string;
  /** The full tool name the model used: `mcp__srv__send_to_peer` (Claude), `send_to_peer` (Codex). */
  name: string;
  /** The namespace the tool sits in (Codex: `mcp__srv`); undefined for a top-level tool. */
  namespace?: string;
  args: Record<string, unknown>;
}

/** A tool result that came back to the model. */
export interface ToolResult {
  api: Api;
  /** Index of the request that carried it. */
  requestIndex: number;
  /** tool_use_id (Anthropic) or call_id (OpenAI). */
  id: string;
  /** The name of the tool, when the call is one the server made (else undefined). */
  name?: string;
  /**
   * The result's text: its text blocks joined with "\n" (OpenAI: the output string or its texts,
   * less the "Wall time: … seconds\nOutput:" part Codex puts first).
   */
  text: string;
  /** Anthropic's `is_error`. */
  isError?: boolean;
}

/** One entry of a conversation, the same shape for both APIs. */
export interface ConversationEntry {
  role: string;
  kind: "text" | "tool_call" | "tool_result" | "other";
  text: string;
}

export interface ReplyContext {
  api: Api;
  request: LoggedRequest;
  /** The user's text of the turn in progress; "" when there is none. */
  userText: string;
  /** The tool result the request ends with, on the follow-up request of a tool call. */
  toolResult?: ToolResult;
}

export interface ModelServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** The model name to answer with when the request names none. */
  model?: string;
  /**
   * The text answer. Returning undefined falls back to the default: `tool result: <text>` after a
   * tool result, `echo: <text>` otherwise (whitespace collapsed, cut at `maxEcho` characters).
   */
  reply?: (ctx: ReplyContext) => string | undefined;
  /** Longest echoed text before it is cut with "…"; default 200. */
  maxEcho?: number;
  /** Characters per streamed text delta; default 16. */
  chunkSize?: number;
}

export type TextMatch = string | RegExp | ((text: string) => boolean);

export interface WordScript {
  fail?: { status: number; message: string; times?: number };
  slowMs?: number;
}

export interface ModelServer {
  url: string;
  port: number;
  /** Every request, in the order received. */
  readonly requests: LoggedRequest[];
  /** Every tool call the server answered with. */
  readonly toolCalls: ToolCall[];
  /** Every tool result the model received. */
  readonly toolResults: ToolResult[];
  readonly triggers: Trigger[];
  /**
   * When a user text containing `word` arrives in a request that offers the tool `call.name`,
   * answer with a call of that tool (once per user turn), then with `tool result: <text>`.
   */
  onTrigger(word: string, call: TriggerCall, options?: { times?: number }): Trigger;
  /** Drop every trigger. */
  clearTriggers(): void;
  /**
   * When the turn's user text contains `word`: answer with an HTTP error (`fail`, `times` times
   * in all, every time when unset), or stream the reply slowly (`slowMs` between deltas).
   */
  onWord(word: string, script: WordScript): void;
  /** Model requests (main only unless `includeSide`), optionally of one API. */
  modelRequests(api?: Api, options?: { includeSide?: boolean }): LoggedRequest[];
  /**
   * The user texts the model received, in order: one per main model request that opens a user
   * turn (follow-ups after a tool result carry none). Not deduplicated (a CLI's retry repeats one).
   * Side requests (no tools: Codex's thread title) are left out unless `includeSide`.
   */
  userTexts(api?: Api, options?: { includeSide?: boolean }): string[];
  /** A request's conversation, normalized across both APIs. */
  conversation(request: LoggedRequest): ConversationEntry[];
  /** Poll until `check` returns something other than undefined/false/null; return it. */
  waitFor<T>(
    check: () => T | undefined | null | false,
    timeoutMs?: number,
    what?: string,
  ): Promise<T>;
  /** Wait for a user text (as in `userTexts`) matching a substring, RegExp or predicate. */
  waitForUserText(match: TextMatch, timeoutMs?: number, api?: Api): Promise<string>;
  /** Wait for a tool result whose text matches; return it. */
  waitForToolResult(match?: TextMatch, timeoutMs?: number): Promise<ToolResult>;
  /** Wait for a request matching the predicate; return it. */
  waitForRequest(
    predicate: (request: LoggedRequest) => boolean,
    timeoutMs?: number,
  ): Promise<LoggedRequest>;
  /** Stop listening and drop open connections. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Reading requests

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** Texts Claude adds around the user's own text, as blocks of their own. */
function isAnthropicWrapper(text: string): boolean {
  return text.trimStart().startsWith("<system-reminder>");
}

/**
 * Texts Codex sends as user messages that the user did not type: the environment context,
 * AGENTS.md / user instructions, and similar tagged blocks.
 */
export function isCodexInjected(text: string): boolean {
  const t = text.trimStart();
  return (
    t.startsWith("<environment_context>") ||
    t.startsWith("<user_instructions>") ||
    t.startsWith("# AGENTS.md") ||
    t.startsWith("<permissions instructions>") ||
    t.startsWith("<collaboration_mode>") ||
    t.startsWith("<skills_instructions>") ||
    t.startsWith("<personality_spec>") ||
    t.startsWith("<apps_instructions>") ||
    t.startsWith("<turn_aborted>") ||
    t.startsWith("<user_shell_command>")
  );
}

/** Anthropic: the text of a content (string or blocks), wrappers and tool results left out. */
function anthropicUserText(content: unknown): string {
  if (typeof content === "string") return isAnthropicWrapper(content) ? "" : content;
  // Claude follows a tool result with texts of its own ("Tool loaded."): not the user's.
  if (asArray(content).some((b) => isObject(b) && b.type === "tool_result")) return "";
  const texts: string[] = [];
  for (const block of asArray(content)) {
    if (!isObject(block) || block.type !== "text") continue;
    const text = str(block.text);
    if (!isAnthropicWrapper(text)) texts.push(text);
  }
  return texts.join("\n");
}

function blockText(content: unknown): string {
  if (typeof content === "string") return content;
  const texts: string[] = [];
  for (const block of asArray(content)) {
    if (isObject(block) && typeof block.text === "string") texts.push(block.text);
  }
  return texts.join("\n");
}

/** OpenAI Responses: the input items, a plain-string input counted as one user message. */
function openaiItems(body: Json): Json[] {
  if (typeof body.input === "string") {
    return [{ type: "message", role: "user", content: [{ type: "input_text", text: body.input }] }];
  }
  return asArray(body.input).filter(isObject);
}

function isOpenaiMessage(item: Json): boolean {
  return (item.type === undefined || item.type === "message") && typeof item.role === "string";
}

/** OpenAI: the user's own text of one user message item, injected blocks left out. */
function openaiUserText(item: Json): string {
  const content = item.content;
  if (typeof content === "string") return isCodexInjected(content) ? "" : content;
  const texts: string[] = [];
  for (const part of asArray(content)) {
    if (!isObject(part) || (part.type !== "input_text" && part.type !== "text")) continue;
    const text = str(part.text);
    if (!isCodexInjected(text)) texts.push(text);
  }
  return texts.join("\n");
}

interface OfferedTool {
  /** The namespace tool holding it (Codex: `mcp__<server>`); undefined for a top-level tool. */
  namespace?: string;
  name: string;
  /**
   * Anthropic `defer_loading: true` and no `tool_reference` to it in the conversation yet: named
   * but not callable until ToolSearch loads it.
   */
  deferred?: boolean;
}

interface TurnState {
  /** The user's own text of the last user turn; "" when there is none. */
  userText: string;
  /** Whether that text is the newest input (this request opens the turn; no tool result since). */
  opensTurn: boolean;
  /** Names of the tools the model called since that user text (`namespace.name` for Codex). */
  called: string[];
  /** The tool results that are the last input, when it ends with some. */
  lastResults: { id: string; text: string; isError?: boolean }[];
  tools: OfferedTool[];
  /** Anthropic: the whole request as text, to find deferred tool names announced in messages. */
  text: string;
}

function anthropicTurn(body: Json): TurnState {
  const messages = asArray(body.messages).filter(isObject);
  let userIndex = -1;
  let userText = "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as Json;
    if (message.role !== "user") continue;
    const text = anthropicUserText(message.content);
    if (text !== "") {
      userIndex = i;
      userText = text;
      break;
    }
  }
  let lastUser = -1;
  messages.forEach((m, i) => {
    if (m.role === "user") lastUser = i;
  });
  const opensTurn = userIndex >= 0 && userIndex === lastUser;
  const called: string[] = [];
  for (let i = userIndex + 1; i < messages.length; i++) {
    const message = messages[i] as Json;
    if (message.role !== "assistant") continue;
    for (const block of asArray(message.content)) {
      if (isObject(block) && block.type === "tool_use") called.push(str(block.name));
    }
  }
  const lastResults: TurnState["lastResults"] = [];
  const last = messages[messages.length - 1];
  if (last && last.role === "user") {
    for (const block of asArray(last.content)) {
      if (!isObject(block) || block.type !== "tool_result") continue;
      lastResults.push({
        id: str(block.tool_use_id),
        text: blockText(block.content),
        ...(block.is_error === true && { isError: true }),
      });
    }
  }
  const loaded = new Set<string>();
  for (const message of messages) {
    for (const block of asArray(message.content)) {
      if (!isObject(block) || block.type !== "tool_result") continue;
      for (const ref of asArray(block.content)) {
        if (isObject(ref) && ref.type === "tool_reference") loaded.add(str(ref.tool_name));
      }
    }
  }
  const tools: OfferedTool[] = [];
  for (const tool of asArray(body.tools)) {
    if (isObject(tool) && typeof tool.name === "string") {
      const deferred = tool.defer_loading === true && !loaded.has(tool.name);
      tools.push({ name: tool.name, ...(deferred && { deferred: true }) });
    }
  }
  const text = JSON.stringify(body.messages ?? "");
  return { userText, opensTurn, called, lastResults, tools, text };
}

/** Codex puts a part "Wall time: 0.0294 seconds\nOutput:" before an MCP tool's own output. */
const CODEX_WALL_TIME = /^Wall time: [\d.]+ seconds\s*(?:\nOutput:\s*)?/;

function openaiOutputText(output: unknown): string {
  if (typeof output === "string") return output.replace(CODEX_WALL_TIME, "");
  if (isObject(output) && typeof output.content === "string") return output.content;
  if (isObject(output)) return blockText(output.content);
  const parts = asArray(output).filter((p) => !(isObject(p) && CODEX_WALL_TIME.test(str(p.text))));
  return blockText(parts);
}

function openaiTurn(body: Json): TurnState {
  const items = openaiItems(body);
  let userIndex = -1;
  let userText = "";
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as Json;
    if (!isOpenaiMessage(item) || item.role !== "user") continue;
    const text = openaiUserText(item);
    if (text !== "") {
      userIndex = i;
      userText = text;
      break;
    }
  }
  let opensTurn = userIndex >= 0;
  const called: string[] = [];
  for (let i = userIndex + 1; i < items.length; i++) {
    const item = items[i] as Json;
    if (!isOpenaiMessage(item) || item.role === "assistant") opensTurn = false;
    if (item.type === "function_call" || item.type === "custom_tool_call") {
      called.push([str(item.namespace), str(item.name)].filter((s) => s !== "").join("."));
    }
  }
  const lastResults: TurnState["lastResults"] = [];
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as Json;
    if (item.type !== "function_call_output" && item.type !== "custom_tool_call_output") break;
    lastResults.unshift({ id: str(item.call_id), text: openaiOutputText(item.output) });
  }
  const tools: OfferedTool[] = [];
  for (const tool of asArray(body.tools)) {
    if (!isObject(tool)) continue;
    const name = str(tool.name) || (isObject(tool.function) ? str(tool.function.name) : "");
    const inner = asArray(tool.tools);
    if (inner.length > 0) {
      for (const sub of inner) {
        if (isObject(sub) && typeof sub.name === "string") {
          tools.push({ namespace: name, name: sub.name });
        }
      }
    } else if (name !== "") {
      tools.push({ name });
    }
  }
  return { userText, opensTurn, called, lastResults, tools, text: "" };
}

/**
 * The user's own text of a model request's last user turn ("" when there is none), and whether
 * the request opens that turn (else it continues it after a tool result).
 *
 * Anthropic: the text blocks of the last user message with some text of the user's own, less the
 * `<system-reminder>` blocks Claude adds; a message holding tool results has none (Claude adds
 * texts such as "Tool loaded." after a ToolSearch result). OpenAI Responses: the `input_text`s of
 * the last user message item, less Codex's injected ones (`isCodexInjected`).
 */
export function userTextOf(api: Api, body: unknown): { text: string; opensTurn: boolean } {
  if (!isObject(body)) return { text: "", opensTurn: false };
  const turn = api === "anthropic" ? anthropicTurn(body) : openaiTurn(body);
  return { text: turn.userText, opensTurn: turn.opensTurn };
}

/** Whether the offered tool (namespace, name) is the trigger's tool. */
function toolMatches(tool: OfferedTool, call: TriggerCall): boolean {
  if (tool.namespace !== undefined) {
    if (tool.name !== call.name && !tool.name.endsWith(`__${call.name}`)) return false;
    return call.server === undefined || tool.namespace === `mcp__${call.server}`;
  }
  if (call.server !== undefined) return tool.name === `mcp__${call.server}__${call.name}`;
  return tool.name === call.name || tool.name.endsWith(`__${call.name}`);
}

/** Whether a called name (`name`, or `namespace.name` from Codex) is the trigger's tool. */
function calledMatches(called: string, call: TriggerCall): boolean {
  const dot = called.lastIndexOf(".");
  const tool: OfferedTool =
    dot < 0 ? { name: called } : { namespace: called.slice(0, dot), name: called.slice(dot + 1) };
  return toolMatches(tool, call);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Claude defers MCP tools: they are not in `tools` but named in a message ("The following deferred
 * tools are now available via ToolSearch: … mcp__iapeer__send_to_peer"). The announced full name.
 */
function announcedName(turn: TurnState, call: TriggerCall): string | undefined {
  const server = call.server === undefined ? "[A-Za-z0-9_-]+?" : escapeRegExp(call.server);
  const re = new RegExp(`mcp__${server}__${escapeRegExp(call.name)}(?![A-Za-z0-9_-])`);
  return re.exec(turn.text)?.[0];
}

/** The JSON schema a request wants its answer to fit, if it asks for structured output. */
function outputSchema(body: Json): Json | undefined {
  const formats = [
    isObject(body.text) ? body.text.format : undefined, // OpenAI Responses
    body.output_format, // Anthropic
    isObject(body.output_config) ? body.output_config.format : undefined,
  ];
  for (const format of formats) {
    if (isObject(format) && format.type === "json_schema" && isObject(format.schema)) {
      return format.schema;
    }
  }
  return undefined;
}

/** A value that fits a (simple) JSON schema, its strings `text` cut to their maxLength. */
export function fillSchema(schema: unknown, text: string): unknown {
  if (!isObject(schema)) return text;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ("const" in schema) return schema.const;
  const alternatives = asArray(schema.anyOf ?? schema.oneOf);
  if (alternatives.length > 0) return fillSchema(alternatives[0], text);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type =
    types.find((t) => t !== "null") ?? (isObject(schema.properties) ? "object" : "string");
  switch (type) {
    case "object": {
      const out: Json = {};
      const properties = isObject(schema.properties) ? schema.properties : {};
      for (const [key, sub] of Object.entries(properties)) out[key] = fillSchema(sub, text);
      return out;
    }
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 0;
      return Array.from({ length: min }, () => fillSchema(schema.items, text));
    }
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 0;
    case "boolean":
      return false;
    default: {
      const max =
        typeof schema.maxLength === "number" ? schema.maxLength : Number.POSITIVE_INFINITY;
      const chars = Array.from(text === "" ? "x" : text);
      return chars.slice(0, max).join("").trim() || "x";
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writing answers

let idCounter = 0;
function newId(prefix: string): string {
  idCounter += 1;
  return `${prefix}_${Date.now().toString(36)}${idCounter.toString(36).padStart(6, "0")}`;
}

function chunks(text: string, size: number): string[] {
  if (text === "") return [""];
  const out: string[] = [];
  const chars = Array.from(text);
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out;
}

function sse(events: { event: string; data: unknown }[]): Response {
  const body = events.map((e) => `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`).join("");
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    },
  });
}

/** An SSE response re-sent one event at a time, `ms` apart: a reply that streams for a while. */
function slowly(response: Response, ms: number): Response {
  if (!response.headers.get("content-type")?.startsWith("text/event-stream")) return response;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const events = (await response.text()).split("\n\n").filter((e) => e.trim() !== "");
      const encoder = new TextEncoder();
      for (const event of events) {
        try {
          controller.enqueue(encoder.encode(`${event}\n\n`));
        } catch {
          return; // the client went away (an interrupted turn)
        }
        await Bun.sleep(ms);
      }
      controller.close();
    },
  });
  return new Response(stream, { headers: response.headers });
}

function json(data: unknown, status = 200): Response {
  return Response.json(data, { status });
}

function estimateTokens(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? "").length / 4));
}

type Answer = { kind: "text"; text: string } | { kind: "tool_call"; call: ToolCall };

function anthropicResponse(body: Json, answer: Answer, model: string, chunkSize: number): Response {
  const id = newId("msg");
  const inputTokens = estimateTokens(body.messages);
  const content =
    answer.kind === "text"
      ? [{ type: "text", text: answer.text }]
      : [{ type: "tool_use", id: answer.call.id, name: answer.call.name, input: answer.call.args }];
  const stopReason = answer.kind === "text" ? "end_turn" : "tool_use";
  const outputTokens = estimateTokens(content);
  if (body.stream !== true) {
    return json({
      id,
      type: "message",
      role: "assistant",
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens },
    });
  }
  const events: { event: string; data: unknown }[] = [
    {
      event: "message_start",
      data: {
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: inputTokens, output_tokens: 1 },
        },
      },
    },
  ];
  if (answer.kind === "text") {
    events.push({
      event: "content_block_start",
      data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    });
    events.push({ event: "ping", data: { type: "ping" } });
    for (const piece of chunks(answer.text, chunkSize)) {
      events.push({
        event: "content_block_delta",
        data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } },
      });
    }
  } else {
    events.push({
      event: "content_block_start",
      data: {
        type: "content_block_start",
        index: 0,
        content_block: { type: "tool_use", id: answer.call.id, name: answer.call.name, input: {} },
      },
    });
    for (const piece of chunks(JSON.stringify(answer.call.args), chunkSize)) {
      events.push({
        event: "content_block_delta",
        data: {
          type: "content_block_delta",
          index: 0,
          delta: { type: "input_json_delta", partial_json: piece },
        },
      });
    }
  }
  events.push({ event: "content_block_stop", data: { type: "content_block_stop", index: 0 } });
  events.push({
    event: "message_delta",
    data: {
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { input_tokens: inputTokens, output_tokens: outputTokens },
    },
  });
  events.push({ event: "message_stop", data: { type: "message_stop" } });
  return sse(events);
}

function openaiResponse(body: Json, answer: Answer, model: string, chunkSize: number): Response {
  const id = newId("resp");
  const createdAt = Math.floor(Date.now() / 1000);
  const inputTokens = estimateTokens(body.input);
  let item: Json;
  if (answer.kind === "text") {
    item = {
      id: newId("msg"),
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: answer.text, annotations: [] }],
    };
  } else {
    item = {
      id: newId("fc"),
      type: "function_call",
      status: "completed",
      call_id: answer.call.id,
      name: answer.call.name,
      ...(answer.call.namespace !== undefined && { namespace: answer.call.namespace }),
      arguments: JSON.stringify(answer.call.args),
    };
  }
  const outputTokens = estimateTokens(item);
  const usage = {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: inputTokens + outputTokens,
  };
  const response = (status: string, output: Json[], withUsage: boolean) => ({
    id,
    object: "response",
    created_at: createdAt,
    status,
    model,
    output,
    parallel_tool_calls: false,
    tool_choice: "auto",
    tools: [],
    ...(withUsage ? { usage } : {}),
  });
  if (body.stream !== true) return json(response("completed", [item], true));

  let seq = 0;
  const events: { event: string; data: unknown }[] = [];
  const push = (type: string, data: Json) => {
    events.push({ event: type, data: { type, sequence_number: seq++, ...data } });
  };
  push("response.created", { response: response("in_progress", [], false) });
  push("response.in_progress", { response: response("in_progress", [], false) });
  if (answer.kind === "text") {
    const itemId = item.id;
    push("response.output_item.added", {
      output_index: 0,
      item: { ...item, status: "in_progress", content: [] },
    });
    push("response.content_part.added", {
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [] },
    });
    for (const piece of chunks(answer.text, chunkSize)) {
      push("response.output_text.delta", {
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        delta: piece,
      });
    }
    push("response.output_text.done", {
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      text: answer.text,
    });
    push("response.content_part.done", {
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      part: { type: "output_text", text: answer.text, annotations: [] },
    });
  } else {
    push("response.output_item.added", {
      output_index: 0,
      item: { ...item, status: "in_progress", arguments: "" },
    });
    for (const piece of chunks(str(item.arguments), chunkSize)) {
      push("response.function_call_arguments.delta", {
        item_id: item.id,
        output_index: 0,
        delta: piece,
      });
    }
    push("response.function_call_arguments.done", {
      item_id: item.id,
      output_index: 0,
      arguments: item.arguments,
    });
  }
  push("response.output_item.done", { output_index: 0, item });
  push("response.completed", { response: response("completed", [item], true) });
  return sse(events);
}

// ---------------------------------------------------------------------------------------------
// The server

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = Array.from(flat);
  return chars.length > max ? `${chars.slice(0, max).join("")}…` : flat;
}

function matches(match: TextMatch, text: string): boolean {
  if (typeof match === "string") return text.includes(match);
  if (match instanceof RegExp) return match.test(text);
  return match(text);
}

/** Start a scripted model server on 127.0.0.1 (a free port unless `options.port`). */
export function startModelServer(options: ModelServerOptions = {}): ModelServer {
  const maxEcho = options.maxEcho ?? 200;
  const chunkSize = Math.max(1, options.chunkSize ?? 16);
  const requests: LoggedRequest[] = [];
  const toolCalls: ToolCall[] = [];
  const toolResults: ToolResult[] = [];
  const triggers: Trigger[] = [];
  /** Ids of the calls made on the way to a trigger's tool (ToolSearch), kept out of the logs. */
  const helperCalls = new Set<string>();
  const scripts: (WordScript & { word: string; failed: number })[] = [];

  function answerFor(api: Api, request: LoggedRequest, body: Json, turn: TurnState): Answer {
    let result: ToolResult | undefined;
    for (const r of turn.lastResults) {
      const helper = helperCalls.has(r.id);
      const call = toolCalls.find((c) => c.id === r.id);
      const entry: ToolResult = {
        api,
        requestIndex: request.index,
        id: r.id,
        ...(call && { name: call.name }),
        text: r.text,
        ...(r.isError === true && { isError: true }),
      };
      if (!helper) {
        toolResults.push(entry);
        result = entry;
      }
    }
    const call = turn.userText === "" ? undefined : triggerCall(api, request, turn);
    if (call) return call;
    const custom = options.reply?.({
      api,
      request,
      userText: turn.userText,
      ...(result && { toolResult: result }),
    });
    if (custom !== undefined) return { kind: "text", text: custom };
    if (result) return { kind: "text", text: `tool result: ${oneLine(result.text, maxEcho)}` };
    const schema = outputSchema(body);
    if (schema !== undefined) {
      // A structured side request (Codex's thread title): JSON that fits, its strings an echo of
      // the last line of the prompt (where Codex puts the user's prompt).
      const lines = turn.userText.split("\n").filter((l) => l.trim() !== "");
      const echo = `echo: ${oneLine(lines[lines.length - 1] ?? "", maxEcho)}`;
      return { kind: "text", text: JSON.stringify(fillSchema(schema, echo)) };
    }
    return { kind: "text", text: `echo: ${oneLine(turn.userText, maxEcho)}` };
  }

  /** The tool call a trigger asks for in this turn, if any (at most one per user turn). */
  function triggerCall(api: Api, request: LoggedRequest, turn: TurnState): Answer | undefined {
    for (const trigger of triggers) {
      if (trigger.times !== undefined && trigger.fired >= trigger.times) continue;
      if (!turn.userText.includes(trigger.word)) continue;
      if (turn.called.some((name) => calledMatches(name, trigger))) continue;
      const tool = turn.tools.find((t) => toolMatches(t, trigger));
      if (tool && !tool.deferred) {
        trigger.fired += 1;
        const call: ToolCall = {
          api,
          requestIndex: request.index,
          trigger: trigger.word,
          id: newId(api === "anthropic" ? "toolu" : "call"),
          name: tool.name,
          ...(tool.namespace !== undefined && { namespace: tool.namespace }),
          args: trigger.args,
        };
        toolCalls.push(call);
        return { kind: "tool_call", call };
      }
      // Claude with deferred MCP tools: load the tool with ToolSearch first (once per turn).
      const announced =
        api === "anthropic" ? (tool?.name ?? announcedName(turn, trigger)) : undefined;
      const search = turn.tools.find((t) => t.name === "ToolSearch");
      if (announced !== undefined && search && !turn.called.includes("ToolSearch")) {
        const call: ToolCall = {
          api,
          requestIndex: request.index,
          trigger: trigger.word,
          id: newId("toolu"),
          name: "ToolSearch",
          args: { query: `select:${announced}` },
        };
        helperCalls.add(call.id);
        return { kind: "tool_call", call };
      }
    }
    return undefined;
  }

  function modelName(body: Json): string {
    return str(body.model) || options.model || "scripted-model";
  }

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const raw = req.method === "GET" || req.method === "HEAD" ? "" : await req.text();
    let body: unknown;
    if (raw !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const headers: Record<string, string> = {};
    req.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const request: LoggedRequest = {
      index: requests.length,
      method: req.method,
      path: url.pathname,
      search: url.search,
      headers,
      body,
      time: Date.now(),
    };
    requests.push(request);
    const response = route(request, body);
    request.status = response.status;
    return response;
  }

  function route(request: LoggedRequest, body: unknown): Response {
    const { method, path } = request;
    const p = path.replace(/\/+$/, "") || "/";
    if (p === "/" && (method === "GET" || method === "HEAD")) {
      return new Response(method === "HEAD" ? null : "ok", { status: 200 });
    }
    if (method === "POST" && p.endsWith("/messages/count_tokens")) {
      if (!isObject(body)) return json(badRequest("body is not a JSON object"), 400);
      return json({ input_tokens: estimateTokens([body.system, body.messages, body.tools]) });
    }
    if (method === "POST" && (p.endsWith("/messages") || p.endsWith("/responses"))) {
      const api: Api = p.endsWith("/messages") ? "anthropic" : "openai";
      if (!isObject(body)) return json(badRequest("body is not a JSON object"), 400);
      request.api = api;
      request.kind = asArray(body.tools).length > 0 ? "main" : "side";
      const turn = api === "anthropic" ? anthropicTurn(body) : openaiTurn(body);
      request.turnText = turn.userText;
      if (turn.opensTurn) request.userText = turn.userText;
      const script =
        request.kind === "main" ? scripts.find((s) => turn.userText.includes(s.word)) : undefined;
      if (script?.fail && (script.fail.times === undefined || script.failed < script.fail.times)) {
        script.failed += 1;
        return failure(api, script.fail.status, script.fail.message);
      }
      const answer = answerFor(api, request, body, turn);
      request.reply = answer;
      const model = modelName(body);
      const response =
        api === "anthropic"
          ? anthropicResponse(body, answer, model, chunkSize)
          : openaiResponse(body, answer, model, chunkSize);
      return script?.slowMs ? slowly(response, script.slowMs) : response;
    }
    if (method === "GET" && p.endsWith("/models")) {
      return json({ object: "list", data: [], models: [] });
    }
    return json(
      { type: "error", error: { type: "not_found_error", message: `no route ${method} ${path}` } },
      404,
    );
  }

  function failure(api: Api, status: number, message: string): Response {
    const type =
      status === 429 ? "rate_limit_error" : status === 529 ? "overloaded_error" : "api_error";
    return api === "anthropic"
      ? json({ type: "error", error: { type, message } }, status)
      : json({ error: { message, type, code: type } }, status);
  }

  function badRequest(message: string) {
    return { type: "error", error: { type: "invalid_request_error", message } };
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    idleTimeout: 0,
    fetch: handle,
  });
  const port = server.port as number;

  const modelRequests = (api?: Api, opts: { includeSide?: boolean } = {}) =>
    requests.filter(
      (r) =>
        r.api !== undefined &&
        (api === undefined || r.api === api) &&
        (opts.includeSide === true || r.kind === "main"),
    );

  async function waitFor<T>(
    check: () => T | undefined | null | false,
    timeoutMs = 10_000,
    what = "a condition",
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== null && value !== false) return value;
      if (Date.now() >= deadline) {
        const seen = requests.map((r) => `${r.method} ${r.path}`).join(", ");
        throw new Error(
          `model server: timed out after ${timeoutMs} ms waiting for ${what}; seen: ${seen}`,
        );
      }
      await Bun.sleep(25);
    }
  }

  const userTexts = (api?: Api, opts: { includeSide?: boolean } = {}) =>
    modelRequests(api, opts)
      .map((r) => r.userText ?? "")
      .filter((t) => t !== "");

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    toolCalls,
    toolResults,
    triggers,
    onTrigger(word, call, opts = {}) {
      const trigger: Trigger = {
        word,
        name: call.name,
        args: call.args,
        ...(call.server !== undefined && { server: call.server }),
        ...(opts.times !== undefined && { times: opts.times }),
        fired: 0,
      };
      triggers.push(trigger);
      return trigger;
    },
    clearTriggers() {
      triggers.length = 0;
    },
    onWord(word, script) {
      scripts.push({ word, ...script, failed: 0 });
    },
    modelRequests,
    userTexts,
    conversation(request) {
      return conversationOf(request);
    },
    waitFor,
    waitForUserText(match, timeoutMs = 10_000, api) {
      return waitFor(
        () => userTexts(api).find((t) => matches(match, t)),
        timeoutMs,
        `a user text matching ${String(match)}`,
      );
    },
    waitForToolResult(match = () => true, timeoutMs = 10_000) {
      return waitFor(
        () => toolResults.find((r) => matches(match, r.text)),
        timeoutMs,
        `a tool result matching ${String(match)}`,
      );
    },
    waitForRequest(predicate, timeoutMs = 10_000) {
      return waitFor(() => requests.find(predicate), timeoutMs, "a matching request");
    },
    async stop() {
      await server.stop(true);
    },
  };
}

/** A request's conversation, normalized across both APIs (system prompts left out). */
export function conversationOf(request: LoggedRequest): ConversationEntry[] {
  const body = request.body;
  if (!isObject(body)) return [];
  const out: ConversationEntry[] = [];
  if (request.api === "anthropic") {
    for (const message of asArray(body.messages)) {
      if (!isObject(message)) continue;
      const role = str(message.role);
      if (typeof message.content === "string") {
        out.push({ role, kind: "text", text: message.content });
        continue;
      }
      for (const block of asArray(message.content)) {
        if (!isObject(block)) continue;
        if (block.type === "text") out.push({ role, kind: "text", text: str(block.text) });
        else if (block.type === "tool_use") {
          out.push({
            role,
            kind: "tool_call",
            text: `${str(block.name)} ${JSON.stringify(block.input)}`,
          });
        } else if (block.type === "tool_result") {
          out.push({ role, kind: "tool_result", text: blockText(block.content) });
        } else out.push({ role, kind: "other", text: str(block.type) });
      }
    }
    return out;
  }
  if (request.api === "openai") {
    for (const item of openaiItems(body)) {
      if (isOpenaiMessage(item)) {
        out.push({ role: str(item.role), kind: "text", text: blockText(item.content) });
      } else if (item.type === "function_call") {
        const name = [str(item.namespace), str(item.name)].filter((s) => s !== "").join(".");
        out.push({ role: "assistant", kind: "tool_call", text: `${name} ${str(item.arguments)}` });
      } else if (item.type === "function_call_output") {
        out.push({ role: "tool", kind: "tool_result", text: openaiOutputText(item.output) });
      } else out.push({ role: "", kind: "other", text: str(item.type) });
    }
  }
  return out;
}
