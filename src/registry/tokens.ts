import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ensurePrivateDir, writeFileAtomic } from "../core/fs";
import { fail, ok, type Result } from "../core/result";
import type { Store } from "../store/db";

/**
 * Per-peer secret tokens: how the MCP endpoint knows which peer is calling. Only a token's
 * SHA-256 is stored, so a copy of the state database does not let anyone act as a peer; the
 * token itself lives only in the peer's MCP client config.
 */

export const TOKEN_PREFIX = "iap_";
/** The name iapeer's entry has in a runtime's list of MCP servers. */
export const MCP_SERVER_NAME = "iapeer";

const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

/** A fresh token for `personality`; any earlier one stops working. */
export function issueToken(store: Store, personality: string, now: Date = new Date()): string {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  store.write(() =>
    store.db
      .query(
        `INSERT INTO peer_tokens (personality, token_hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT (personality) DO UPDATE
           SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
      )
      .run(personality, hashToken(token), now.toISOString()),
  );
  return token;
}

/**
 * The peer whose token this is. A lookup by hash leaks nothing useful through timing: an
 * attacker cannot steer the hash of a guess towards a stored one.
 */
export function peerForToken(store: Store, token: string): string | undefined {
  const row = store.db
    .query("SELECT personality FROM peer_tokens WHERE token_hash = ?")
    .get(hashToken(token)) as { personality: string } | null;
  return row?.personality;
}

/** Forget the peer's token; returns whether it had one. */
export function revokeToken(store: Store, personality: string): boolean {
  return store.write(
    () =>
      store.db.query("DELETE FROM peer_tokens WHERE personality = ?").run(personality).changes > 0,
  );
}

/**
 * Point the peer's runtimes at the iapeer MCP server with its token, keeping whatever else their
 * config files hold. Returns the paths written; runtimes without an MCP client write nothing.
 */
export function writeMcpConfigs(
  folder: string,
  runtimes: string[],
  token: string,
  url: string,
): Result<string[]> {
  const written: string[] = [];
  for (const runtime of runtimes) {
    const path =
      runtime === "claude"
        ? writeClaudeConfig(folder, token, url)
        : runtime === "codex"
          ? writeCodexConfig(folder, token, url)
          : undefined;
    if (path === undefined) continue;
    if (!path.ok) return path;
    written.push(path.value);
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

/** Claude Code's project-scoped `.mcp.json`. */
function writeClaudeConfig(folder: string, token: string, url: string): Result<string> {
  const path = join(folder, ".mcp.json");
  const text = readExisting(path);
  if (!text.ok) return text;
  let config: unknown = {};
  if (text.value.trim() !== "") {
    try {
      config = JSON.parse(text.value);
    } catch (error) {
      return fail(`${path} is not valid JSON (${(error as Error).message}); fix or remove it`);
    }
  }
  if (!isObject(config)) return fail(`${path} must hold a JSON object; fix or remove it`);
  const servers = config.mcpServers ?? {};
  if (!isObject(servers)) return fail(`${path}: "mcpServers" must be an object; fix or remove it`);
  const entry = { type: "http", url, headers: { Authorization: `Bearer ${token}` } };
  const merged = { ...config, mcpServers: { ...servers, [MCP_SERVER_NAME]: entry } };
  return writeFileAtomic(path, `${JSON.stringify(merged, null, 2)}\n`);
}

const TOML_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\f": "\\f",
  "\r": "\\r",
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: TOML forbids them raw in a string
const TOML_NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f]/g;

/** A TOML basic string. JSON.stringify is close but lets DEL through, which TOML forbids. */
function tomlString(value: string): string {
  const escaped = value.replace(
    TOML_NEEDS_ESCAPE,
    (c) => TOML_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `"${escaped}"`;
}

// `[mcp_servers.iapeer]`, allowing the spacing and key quoting TOML permits.
const IAPEER_TABLE = new RegExp(
  `^\\s*\\[\\s*mcp_servers\\s*\\.\\s*(${MCP_SERVER_NAME}|"${MCP_SERVER_NAME}"|'${MCP_SERVER_NAME}')\\s*\\]\\s*(#.*)?$`,
);
const TABLE_HEADER = /^\s*\[/;

/**
 * Put `table` (lines) in place of the existing `[mcp_servers.iapeer]` table — its lines up to the
 * next table header — or append it.
 */
function replaceCodexTable(existing: string, table: string[]): string {
  const lines = existing === "" ? [] : existing.replace(/\n$/, "").split("\n");
  const start = lines.findIndex((line) => IAPEER_TABLE.test(line));
  if (start === -1) {
    if (lines.length > 0 && lines.at(-1)?.trim() !== "") lines.push("");
    return `${[...lines, ...table].join("\n")}\n`;
  }
  let end = lines.findIndex((line, i) => i > start && TABLE_HEADER.test(line));
  if (end === -1) end = lines.length;
  // Keep the blank line that separated the old table from the next one.
  const tail = lines.slice(end);
  const spacer = tail.length > 0 ? [""] : [];
  return `${[...lines.slice(0, start), ...table, ...spacer, ...tail].join("\n")}\n`;
}

/** Codex's project-scoped `.codex/config.toml`. */
function writeCodexConfig(folder: string, token: string, url: string): Result<string> {
  const dir = ensurePrivateDir(join(folder, ".codex"));
  if (!dir.ok) return dir;
  const path = join(dir.value, "config.toml");
  const text = readExisting(path);
  if (!text.ok) return text;
  const table = [
    `[mcp_servers.${MCP_SERVER_NAME}]`,
    `url = ${tomlString(url)}`,
    `http_headers = { Authorization = ${tomlString(`Bearer ${token}`)} }`,
  ];
  return writeFileAtomic(path, replaceCodexTable(text.value, table));
}
