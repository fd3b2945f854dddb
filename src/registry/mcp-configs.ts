import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ensurePrivateDir, writeFileAtomic } from "../core/fs";
import { fail, ok, type Result } from "../core/result";
import { tomlString } from "../core/toml";
import { MCP_SERVER_NAME } from "./tokens";

/**
 * Each runtime's MCP client config in the peer's folder: iapeer's server with the peer's token,
 * enabled and its tool pre-approved, so an unattended agent is never stopped by a dialog that
 * asks whether to use the server or to run the tool. Whatever else the files hold is kept.
 */

/** The one tool iapeer's MCP server offers. */
const MCP_TOOL_NAME = "send_to_peer";
/** How Claude Code names that tool in its permission rules. */
const CLAUDE_TOOL_RULE = `mcp__${MCP_SERVER_NAME}__${MCP_TOOL_NAME}`;

/** The runtimes with an MCP client iapeer configures. */
export const MCP_RUNTIMES: ReadonlySet<string> = new Set(["claude", "codex"]);

type Entry = {
  url?: unknown;
  headers?: { Authorization?: unknown };
  http_headers?: { Authorization?: unknown };
};

/** Where iapeer's entry in a runtime's config points, and with which token, if it has one. */
export function readMcpConfig(
  folder: string,
  runtime: string,
): { url: string; token: string } | undefined {
  let entry: Entry | undefined;
  try {
    if (runtime === "claude") {
      const mcp = JSON.parse(readFileSync(join(folder, ".mcp.json"), "utf8"));
      entry = mcp?.mcpServers?.[MCP_SERVER_NAME];
    } else if (runtime === "codex") {
      const text = readFileSync(join(folder, ".codex", "config.toml"), "utf8");
      const toml = Bun.TOML.parse(text) as { mcp_servers?: Record<string, Entry> };
      entry = toml.mcp_servers?.[MCP_SERVER_NAME];
    }
  } catch {
    return undefined; // missing or unreadable: written afresh
  }
  const auth = (runtime === "claude" ? entry?.headers : entry?.http_headers)?.Authorization;
  if (typeof entry?.url !== "string" || typeof auth !== "string" || !auth.startsWith("Bearer "))
    return undefined;
  return { url: entry.url, token: auth.slice("Bearer ".length) };
}

/** Returns the paths written; runtimes without an MCP client write nothing. */
export function writeMcpConfigs(
  folder: string,
  runtimes: string[],
  token: string,
  url: string,
): Result<string[]> {
  const written: string[] = [];
  for (const runtime of runtimes) {
    const paths =
      runtime === "claude"
        ? writeClaudeConfig(folder, token, url)
        : runtime === "codex"
          ? writeCodexConfig(folder, token, url)
          : undefined;
    if (paths === undefined) continue;
    if (!paths.ok) return paths;
    written.push(...paths.value);
  }
  return ok(written);
}

/** The file's text, "" when it does not exist yet. */
function readExisting(path: string): Result<string> {
  try {
    return ok(readFileSync(path, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return ok("");
    return fail(`cannot read ${path}: ${(error as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A JSON object file, `{}` when missing; anything else is the user's to fix, never overwritten. */
function readJsonObject(path: string): Result<Record<string, unknown>> {
  const text = readExisting(path);
  if (!text.ok) return text;
  if (text.value.trim() === "") return ok({});
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.value);
  } catch (error) {
    return fail(`${path} is not valid JSON (${(error as Error).message}); fix or remove it`);
  }
  return isObject(parsed) ? ok(parsed) : fail(`${path} must hold a JSON object; fix or remove it`);
}

const withItem = (list: unknown, item: string): unknown[] => {
  const items = Array.isArray(list) ? list : [];
  return items.includes(item) ? items : [...items, item];
};

/**
 * Claude Code: the server in the project's `.mcp.json`, and in `.claude/settings.local.json` the
 * server enabled (else claude asks "New MCP server found in this project" at every start of a
 * fresh folder) and its tool allowed (else a non-bypass permission mode asks before each call).
 */
function writeClaudeConfig(folder: string, token: string, url: string): Result<string[]> {
  const mcpPath = join(folder, ".mcp.json");
  const config = readJsonObject(mcpPath);
  if (!config.ok) return config;
  const servers = config.value.mcpServers ?? {};
  if (!isObject(servers))
    return fail(`${mcpPath}: "mcpServers" must be an object; fix or remove it`);

  const dir = join(folder, ".claude");
  const settingsPath = join(dir, "settings.local.json");
  const settings = readJsonObject(settingsPath);
  if (!settings.ok) return settings;
  const permissions = settings.value.permissions ?? {};
  if (!isObject(permissions))
    return fail(`${settingsPath}: "permissions" must be an object; fix or remove it`);

  const entry = { type: "http", url, headers: { Authorization: `Bearer ${token}` } };
  const mcp = { ...config.value, mcpServers: { ...servers, [MCP_SERVER_NAME]: entry } };
  const wroteMcp = writeFileAtomic(mcpPath, `${JSON.stringify(mcp, null, 2)}\n`);
  if (!wroteMcp.ok) return wroteMcp;

  const local = {
    ...settings.value,
    enabledMcpjsonServers: withItem(settings.value.enabledMcpjsonServers, MCP_SERVER_NAME),
    permissions: { ...permissions, allow: withItem(permissions.allow, CLAUDE_TOOL_RULE) },
  };
  // Claude writes this file itself when a person answers its dialogs: keep it readable as such.
  const madeDir = ensurePrivateDir(dir);
  if (!madeDir.ok) return madeDir;
  const wroteSettings = writeFileAtomic(settingsPath, `${JSON.stringify(local, null, 2)}\n`);
  if (!wroteSettings.ok) return wroteSettings;
  return ok([mcpPath, settingsPath]);
}

const KEY = `(?:${MCP_SERVER_NAME}|"${MCP_SERVER_NAME}"|'${MCP_SERVER_NAME}')`;
// `[mcp_servers.iapeer]` and its sub-tables (`[mcp_servers.iapeer.tools.send_to_peer]`), with
// the spacing and key quoting TOML permits.
const IAPEER_TABLE = new RegExp(
  `^\\s*\\[\\s*mcp_servers\\s*\\.\\s*${KEY}\\s*(?:\\.[^\\]]*)?\\]\\s*(#.*)?$`,
);
const TABLE_HEADER = /^\s*\[/;

/**
 * `existing` without iapeer's tables (each header with its lines up to the next header), with
 * `table` in place of the first of them, or appended. Sub-tables go too: written again next to a
 * fresh copy, a table defined twice would make the whole file invalid.
 */
function replaceCodexTables(existing: string, table: string[]): string {
  const lines = existing === "" ? [] : existing.replace(/\n$/, "").split("\n");
  const kept: string[] = [];
  let at = -1;
  let inIapeer = false;
  for (const line of lines) {
    if (TABLE_HEADER.test(line)) {
      inIapeer = IAPEER_TABLE.test(line);
      if (inIapeer && at === -1) at = kept.length;
    }
    if (!inIapeer) kept.push(line);
  }
  if (at === -1) {
    if (kept.length > 0 && kept.at(-1)?.trim() !== "") kept.push("");
    return `${[...kept, ...table].join("\n")}\n`;
  }
  const tail = kept.slice(at);
  // Keep a blank line between our tables and the next one.
  const spacer = tail.length > 0 && tail[0]?.trim() !== "" ? [""] : [];
  return `${[...kept.slice(0, at), ...table, ...spacer, ...tail].join("\n")}\n`;
}

/**
 * Codex: `.codex/config.toml` in the peer's folder, with iapeer's server and its tool approved
 * (else codex asks "Allow the iapeer MCP server to run tool …" before each call). Codex reads a
 * project's config only for a trusted project: the adapter says the folder is trusted when it
 * starts codex there.
 */
function writeCodexConfig(folder: string, token: string, url: string): Result<string[]> {
  const dir = ensurePrivateDir(join(folder, ".codex"));
  if (!dir.ok) return dir;
  const path = join(dir.value, "config.toml");
  const text = readExisting(path);
  if (!text.ok) return text;
  const table = [
    `[mcp_servers.${MCP_SERVER_NAME}]`,
    `url = ${tomlString(url)}`,
    `http_headers = { Authorization = ${tomlString(`Bearer ${token}`)} }`,
    "",
    `[mcp_servers.${MCP_SERVER_NAME}.tools.${MCP_TOOL_NAME}]`,
    `approval_mode = "approve"`,
  ];
  const wrote = writeFileAtomic(path, replaceCodexTables(text.value, table));
  return wrote.ok ? ok([path]) : wrote;
}
