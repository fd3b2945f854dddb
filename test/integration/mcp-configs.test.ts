import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeMcpConfigs } from "../../src/registry/mcp-configs";
import { tempDir } from "../helpers/temp";

const URL = "http://127.0.0.1:8765/mcp";

const mode = (path: string): number => statSync(path).mode & 0o777;
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));

const IAPEER_TABLE = {
  url: URL,
  http_headers: { Authorization: "Bearer iap_tok" },
  tools: { send_to_peer: { approval_mode: "approve" } },
};

function written(folder: string, runtimes: string[], token = "iap_tok"): string[] {
  const r = writeMcpConfigs(folder, runtimes, token, URL);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe("MCP client configs", () => {
  test("claude gets a private .mcp.json with the iapeer server and token", () => {
    const folder = tempDir();
    const path = join(folder, ".mcp.json");
    expect(written(folder, ["claude"])).toEqual([
      path,
      join(folder, ".claude", "settings.local.json"),
    ]);
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
      [
        "[mcp_servers.iapeer]",
        `url = "${URL}"`,
        'http_headers = { Authorization = "Bearer iap_tok" }',
        "",
        "[mcp_servers.iapeer.tools.send_to_peer]",
        'approval_mode = "approve"',
        "",
      ].join("\n"),
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
        iapeer: { ...IAPEER_TABLE, http_headers: { Authorization: "Bearer iap_new" } },
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
        iapeer: IAPEER_TABLE,
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
      join(folder, ".claude", "settings.local.json"),
      join(folder, ".codex", "config.toml"),
    ]);
  });

  test("claude's local settings enable the iapeer server and allow its tool, keeping the rest", () => {
    const folder = tempDir();
    const path = join(folder, ".claude", "settings.local.json");
    mkdirSync(join(folder, ".claude"));
    writeFileSync(
      path,
      JSON.stringify({
        model: "opus",
        enabledMcpjsonServers: ["other"],
        permissions: { allow: ["Bash(ls:*)"], deny: ["Bash(rm:*)"] },
      }),
    );
    written(folder, ["claude"]);
    written(folder, ["claude"], "iap_again");
    expect(readJson(path)).toEqual({
      model: "opus",
      enabledMcpjsonServers: ["other", "iapeer"],
      permissions: { allow: ["Bash(ls:*)", "mcp__iapeer__send_to_peer"], deny: ["Bash(rm:*)"] },
    });
  });

  test("claude settings that are not a JSON object are refused and left alone", () => {
    const folder = tempDir();
    const path = join(folder, ".claude", "settings.local.json");
    mkdirSync(join(folder, ".claude"));
    writeFileSync(path, "[1]");
    const r = writeMcpConfigs(folder, ["claude"], "iap_tok", URL);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("settings.local.json must hold a JSON object");
    expect(readFileSync(path, "utf8")).toBe("[1]");
    expect(existsSync(join(folder, ".mcp.json"))).toBe(false);
  });

  test("rewriting codex's config replaces iapeer's sub-tables too: the file stays valid TOML", () => {
    const folder = tempDir();
    const path = join(folder, ".codex", "config.toml");
    mkdirSync(join(folder, ".codex"));
    writeFileSync(
      path,
      [
        "[mcp_servers.iapeer]",
        'url = "http://old"',
        "",
        "[mcp_servers.iapeer.tools.send_to_peer]",
        'approval_mode = "prompt"',
        "",
        '[mcp_servers."iapeer".tools.other]',
        "enabled = false",
        "",
        "[mcp_servers.iapeer2]",
        'command = "keep-me"',
        "",
      ].join("\n"),
    );
    written(folder, ["codex"]);
    written(folder, ["codex"]);
    expect(Bun.TOML.parse(readFileSync(path, "utf8"))).toEqual({
      mcp_servers: { iapeer: IAPEER_TABLE, iapeer2: { command: "keep-me" } },
    });
  });
});
