import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Whether claude has anything to sign in with. Without credentials it starts and shows its
 * input line as if all were well, and says "Not logged in" only to the first message: a wake
 * must find out before that, from the places claude itself reads.
 */

const CREDENTIAL_VARS = [
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "CLAUDE_CODE_OAUTH_TOKEN",
  "CLAUDE_CODE_USE_BEDROCK",
  "CLAUDE_CODE_USE_VERTEX",
  "CLAUDE_CODE_USE_FOUNDRY",
];

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, "utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A settings file that supplies credentials: an apiKeyHelper, or one of the variables. */
function settingsSignIn(path: string): boolean {
  const settings = readJson(path);
  if (!settings) return false;
  if (typeof settings.apiKeyHelper === "string" && settings.apiKeyHelper !== "") return true;
  const env = settings.env;
  return (
    typeof env === "object" &&
    env !== null &&
    CREDENTIAL_VARS.some((k) => typeof (env as Record<string, unknown>)[k] === "string")
  );
}

interface CredentialProbe {
  env: Readonly<Record<string, string>>;
  cwd: string;
  platform: NodeJS.Platform;
  /** macOS keeps claude's login in the Keychain: whether an item of that name is there. */
  inKeychain?: (service: string) => boolean;
}

/** undefined when claude can sign in; else the one-line cause and what to do. */
export function missingClaudeCredentials(probe: CredentialProbe): string | undefined {
  const { env, cwd } = probe;
  if (CREDENTIAL_VARS.some((k) => (env[k] ?? "") !== "")) return undefined;
  const home = env.HOME ?? "";
  const configDir = env.CLAUDE_CONFIG_DIR || join(home, ".claude");
  if (existsSync(join(configDir, ".credentials.json"))) return undefined;
  const state = readJson(join(env.CLAUDE_CONFIG_DIR || home, ".claude.json"));
  if (typeof state?.primaryApiKey === "string") return undefined;
  const settings = [
    join(configDir, "settings.json"),
    join(cwd, ".claude", "settings.json"),
    join(cwd, ".claude", "settings.local.json"),
    probe.platform === "darwin"
      ? "/Library/Application Support/ClaudeCode/managed-settings.json"
      : "/etc/claude-code/managed-settings.json",
  ];
  if (settings.some(settingsSignIn)) return undefined;
  if (probe.platform === "darwin" && (probe.inKeychain?.("Claude Code-credentials") ?? true))
    return undefined;
  return "claude is not signed in (no API key, token or login for it here); run `claude` once yourself and log in, or give iapeer ANTHROPIC_API_KEY";
}

/** The Keychain look-up for macOS, by the `security` tool. */
export function keychainHas(service: string): boolean {
  const res = Bun.spawnSync(["security", "find-generic-password", "-s", service], {
    stdout: "ignore",
    stderr: "ignore",
    timeout: 5000,
  });
  return res.exitCode === 0;
}
