import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { missingClaudeCredentials } from "../../src/runtimes/claude-credentials";
import { tempDir } from "../helpers/temp";

function host(env: Record<string, string> = {}) {
  const home = tempDir();
  const cwd = join(home, "work");
  mkdirSync(join(cwd, ".claude"), { recursive: true });
  mkdirSync(join(home, ".claude"), { recursive: true });
  const probe = (platform: NodeJS.Platform = "linux", inKeychain = () => false) =>
    missingClaudeCredentials({ env: { HOME: home, ...env }, cwd, platform, inKeychain });
  return { home, cwd, probe };
}

describe("claude's credentials, looked for before a wake", () => {
  test("none anywhere: the cause says so and what to do", () => {
    expect(host().probe()).toMatch(
      /^claude is not signed in .*log in, or give iapeer ANTHROPIC_API_KEY$/,
    );
    expect(host({ ANTHROPIC_API_KEY: "" }).probe()).toContain("not signed in");
  });

  test.each([
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "CLAUDE_CODE_USE_BEDROCK",
  ])("%s in the environment is enough", (name) =>
    expect(host({ [name]: "x" }).probe()).toBeUndefined(),
  );

  test("a login (credentials file), a stored key, an apiKeyHelper or a key in settings is enough", () => {
    const login = host();
    writeFileSync(join(login.home, ".claude", ".credentials.json"), "{}");
    expect(login.probe()).toBeUndefined();

    const stored = host();
    writeFileSync(join(stored.home, ".claude.json"), JSON.stringify({ primaryApiKey: "sk" }));
    expect(stored.probe()).toBeUndefined();

    const helper = host();
    writeFileSync(
      join(helper.cwd, ".claude", "settings.json"),
      JSON.stringify({ apiKeyHelper: "get-key" }),
    );
    expect(helper.probe()).toBeUndefined();

    const inSettings = host();
    writeFileSync(
      join(inSettings.home, ".claude", "settings.json"),
      JSON.stringify({ env: { ANTHROPIC_AUTH_TOKEN: "t" } }),
    );
    expect(inSettings.probe()).toBeUndefined();
  });

  test("CLAUDE_CONFIG_DIR moves where the login is kept", () => {
    const moved = host();
    const dir = join(moved.home, "elsewhere");
    mkdirSync(dir);
    writeFileSync(join(dir, ".credentials.json"), "{}");
    expect(moved.probe()).toContain("not signed in");
    const env = { HOME: moved.home, CLAUDE_CONFIG_DIR: dir };
    expect(missingClaudeCredentials({ env, cwd: moved.cwd, platform: "linux" })).toBeUndefined();
  });

  test("on macOS the Keychain item counts", () => {
    const mac = host();
    expect(mac.probe("darwin", () => true)).toBeUndefined();
    expect(mac.probe("darwin", () => false)).toContain("not signed in");
  });

  test("iapeer's own settings (its server enabled, its tool allowed) are no credentials", () => {
    const own = host();
    writeFileSync(
      join(own.cwd, ".claude", "settings.local.json"),
      JSON.stringify({ enabledMcpjsonServers: ["iapeer"], permissions: { allow: ["x"] } }),
    );
    expect(own.probe()).toContain("not signed in");
  });
});
