import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { issueToken, peerForToken, revokeToken, writeMcpConfigs } from "../src/registry/tokens";
import { openStore, type Store } from "../src/store/db";
import { tempDir } from "./helpers/temp";

const URL = "http://127.0.0.1:8765/mcp";

function store(): Store {
  const opened = openStore(join(tempDir(), "iapeer.db"));
  if (!opened.ok) throw new Error(opened.error);
  return opened.value;
}

const mode = (path: string): number => statSync(path).mode & 0o777;
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));

function written(folder: string, runtimes: string[], token = "iap_tok"): string[] {
  const r = writeMcpConfigs(folder, runtimes, token, URL);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe("peer tokens", () => {
  test("an issued token identifies its peer; a made-up one does not", () => {
    const s = store();
    const ana = issueToken(s, "ana");
    const bo = issueToken(s, "bo");
    expect(ana).toMatch(/^iap_[A-Za-z0-9_-]{43}$/);
    expect(ana).not.toBe(bo);
    expect(peerForToken(s, ana)).toBe("ana");
    expect(peerForToken(s, bo)).toBe("bo");
    expect(peerForToken(s, "iap_made-up")).toBeUndefined();
    expect(peerForToken(s, "")).toBeUndefined();
    s.close();
  });

  test("re-issuing replaces the old token", () => {
    const s = store();
    const old = issueToken(s, "ana");
    const fresh = issueToken(s, "ana", new Date("2026-02-01T00:00:00Z"));
    expect(peerForToken(s, old)).toBeUndefined();
    expect(peerForToken(s, fresh)).toBe("ana");
    expect(s.db.query("SELECT created_at FROM peer_tokens").all()).toEqual([
      { created_at: "2026-02-01T00:00:00.000Z" },
    ]);
    s.close();
  });

  test("revoking a token makes it stop working", () => {
    const s = store();
    const token = issueToken(s, "ana");
    expect(revokeToken(s, "ana")).toBe(true);
    expect(peerForToken(s, token)).toBeUndefined();
    expect(revokeToken(s, "ana")).toBe(false);
    s.close();
  });

  test("the database holds only the token's SHA-256", () => {
    const s = store();
    const token = issueToken(s, "ana");
    const rows = s.db.query("SELECT token_hash FROM peer_tokens").all() as { token_hash: string }[];
    const expected = new Bun.CryptoHasher("sha256").update(token).digest("hex");
    expect(rows).toEqual([{ token_hash: expected }]);
    s.close();
    expect(readFileSync(s.path).includes(token)).toBe(false);
  });
});

describe("MCP client configs", () => {
  test("claude gets a private .mcp.json with the iapeer server and token", () => {
    const folder = tempDir();
    const path = join(folder, ".mcp.json");
    expect(written(folder, ["claude"])).toEqual([path]);
    expect(readJson(path)).toEqual({
      mcpServers: {
        iapeer: { type: "http", url: URL, headers: { Authorization: "Bearer iap_tok" } },
      },
    });
    expect(mode(path)).toBe(0o600);
  });

  test("an existing .mcp.json keeps its other servers and keys; only iapeer is replaced", () => {
    const folder = tempDir();
    const path = join(folder, ".mcp.json");
    const other = { command: "npx", args: ["other-server"] };
    writeFileSync(
      path,
      JSON.stringify({ note: "mine", mcpServers: { other, iapeer: { url: "http://old" } } }),
      { mode: 0o644 },
    );
    written(folder, ["claude"], "iap_new");
    expect(readJson(path)).toEqual({
      note: "mine",
      mcpServers: {
        other,
        iapeer: { type: "http", url: URL, headers: { Authorization: "Bearer iap_new" } },
      },
    });
    expect(mode(path)).toBe(0o600);
  });

  test("an .mcp.json that is not valid JSON is refused and left alone", () => {
    const folder = tempDir();
    const path = join(folder, ".mcp.json");
    writeFileSync(path, "{ not json");
    const r = writeMcpConfigs(folder, ["claude"], "iap_tok", URL);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("not valid JSON");
    expect(readFileSync(path, "utf8")).toBe("{ not json");
  });

  test("codex gets .codex/config.toml with an [mcp_servers.iapeer] table", () => {
    const folder = tempDir();
    const path = join(folder, ".codex", "config.toml");
    expect(written(folder, ["codex"])).toEqual([path]);
    expect(readFileSync(path, "utf8")).toBe(
      `[mcp_servers.iapeer]\nurl = "${URL}"\nhttp_headers = { Authorization = "Bearer iap_tok" }\n`,
    );
    expect(mode(path)).toBe(0o600);
  });

  test("an existing config.toml keeps its content; only the iapeer table is replaced", () => {
    const folder = tempDir();
    const path = join(folder, ".codex", "config.toml");
    mkdirSync(join(folder, ".codex"));
    writeFileSync(
      path,
      [
        'model = "o3"',
        "",
        "[mcp_servers.iapeer]",
        'url = "http://old"',
        'http_headers = { Authorization = "Bearer iap_old" }',
        "",
        "[mcp_servers.other]",
        'command = "other-server"',
        "",
      ].join("\n"),
    );
    written(folder, ["codex"], "iap_new");
    expect(Bun.TOML.parse(readFileSync(path, "utf8"))).toEqual({
      model: "o3",
      mcp_servers: {
        iapeer: { url: URL, http_headers: { Authorization: "Bearer iap_new" } },
        other: { command: "other-server" },
      },
    });
    expect(readFileSync(path, "utf8")).not.toContain("iap_old");
  });

  test("a config.toml without an iapeer table gets one appended", () => {
    const folder = tempDir();
    const path = join(folder, ".codex", "config.toml");
    mkdirSync(join(folder, ".codex"));
    writeFileSync(path, '[mcp_servers.other]\ncommand = "other-server"');
    written(folder, ["codex"]);
    expect(Bun.TOML.parse(readFileSync(path, "utf8"))).toEqual({
      mcp_servers: {
        other: { command: "other-server" },
        iapeer: { url: URL, http_headers: { Authorization: "Bearer iap_tok" } },
      },
    });
  });

  test("values are escaped for JSON and TOML", () => {
    const folder = tempDir();
    const url = 'http://h/"q"\\p\n\u007f';
    const r = writeMcpConfigs(folder, ["claude", "codex"], "iap_tok", url);
    expect(r.ok).toBe(true);
    const claude = readJson(join(folder, ".mcp.json")) as {
      mcpServers: { iapeer: { url: string } };
    };
    expect(claude.mcpServers.iapeer.url).toBe(url);
    const codex = Bun.TOML.parse(readFileSync(join(folder, ".codex", "config.toml"), "utf8")) as {
      mcp_servers: { iapeer: { url: string } };
    };
    expect(codex.mcp_servers.iapeer.url).toBe(url);
  });

  test("runtimes without an MCP client write nothing", () => {
    const folder = tempDir();
    expect(written(folder, ["echo", "command", "telegram"])).toEqual([]);
    expect(written(folder, ["echo", "claude", "codex"])).toEqual([
      join(folder, ".mcp.json"),
      join(folder, ".codex", "config.toml"),
    ]);
  });
});
