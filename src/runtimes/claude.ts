import { ok } from "../core/result";
import { keychainHas, missingClaudeCredentials } from "./claude-credentials";
import { claudeHookSettings, readClaudeHook } from "./claude-hooks";
import { nonEmptyLines } from "./screen";
import type { RuntimeAdapter, Screen } from "./types";

/**
 * Claude Code. Screens recorded from claude 2.1.197 are in test/fixtures/screens/claude-*.
 * `❯` is both the input line's prompt and the cursor of every dialog, so dialogs and fatal
 * screens are recognised first, and the input line only counts right under a full-width rule.
 */

const FATAL: [RegExp, (screen: string) => string][] = [
  [
    /cannot be used with root\/sudo privileges/,
    () =>
      "claude refuses to bypass permissions as root; run iapeer as a normal user, or give the peer another permission mode",
  ],
  [
    /Unable to connect to Anthropic services|Failed to connect to api\.anthropic\.com/,
    (screen) => {
      const detail = /Failed to connect[^\n]*/.exec(screen)?.[0].trim();
      return `claude cannot reach Anthropic's service${detail ? ` (${detail})` : ""}; check the network or proxy settings`;
    },
  ],
  [
    /Select login method:|Paste code here if prompted|Browser didn't open\? Use the url below to sign in/,
    () =>
      "claude is not signed in; run `claude` once yourself and log in, or set ANTHROPIC_API_KEY",
  ],
];

/** A select list's answer: the cursor onto the option that says this, then Enter. */
const pick = (option: RegExp) => ({ keys: ["Enter"], choose: { option, cursor: "❯" } });

const DIALOGS: [RegExp, string, Omit<Extract<Screen, { kind: "dialog" }>, "kind" | "name">][] = [
  [/Choose the text style that looks best with your terminal/, "theme", { keys: ["Enter"] }],
  // The key was put in the environment on purpose: use it (the list's default is No).
  [/Do you want to use this API key\?/, "api-key", pick(/^(\d\.\s*)?Yes\b/)],
  [/Security notes:[\s\S]*Press Enter to continue/, "security-notes", { keys: ["Enter"] }],
  // Where the folder pre-approves tools (iapeer's own, in .claude/settings.local.json), claude
  // lists "No, exit" first and makes it the default.
  [
    /Yes, I trust this folder|Do you trust the files in this folder\?/,
    "trust-folder",
    pick(/^(\d\.\s*)?Yes, I trust/),
  ],
  // "No, exit" would end the session; accepting keeps it running.
  [
    /running in Bypass Permissions mode[\s\S]*Yes, I accept/,
    "bypass-permissions",
    pick(/^(\d\.\s*)?Yes, I accept/),
  ],
  [/Allow external CLAUDE\.md file imports\?/, "claude-md-imports", pick(/^(\d\.\s*)?Yes/)],
  // iapeer enables its own server in .claude/settings.local.json; a server of the folder's
  // owner in the same .mcp.json is one they put there to be used.
  [/New MCP servers? found in this project/, "mcp-servers", pick(/^(\d\.\s*)?Use this MCP server/)],
];

const RULE = /^─{20,}$/;

/** The input box: a `❯` line at the left edge (claude puts a no-break space after the glyph)
 * with a full-width rule right above it. */
function hasInputBox(screen: string): boolean {
  const lines = nonEmptyLines(screen);
  for (let i = lines.length - 1; i > 0; i--) {
    const line = lines[i] as string;
    if (/^❯(\s|$)/.test(line)) return RULE.test((lines[i - 1] as string).trim());
  }
  return false;
}

function classifyClaude(screen: string): Screen {
  for (const [pattern, cause] of FATAL) {
    if (pattern.test(screen)) return { kind: "fatal", cause: cause(screen) };
  }
  for (const [pattern, name, answer] of DIALOGS) {
    if (pattern.test(screen)) return { kind: "dialog", name, ...answer };
  }
  return hasInputBox(screen) ? { kind: "ready" } : { kind: "booting" };
}

export const claudeAdapter: RuntimeAdapter = {
  name: "claude",
  kind: "tui",
  bootTimeoutMs: 60_000,
  readyHoldMs: 1000,
  stuckScreenMs: 5000,
  markers: {
    prompt: "❯",
    pastePlaceholder: /\[Pasted text #\d+(?: \+\d+ lines)?\]/,
    settleMs: 150,
    // Text typed during a turn waits in claude's own queue, and a failed turn offers to resend:
    // the line says so, and neither is a person's draft.
    notDraft: /^(Press up to edit queued messages|Resend your message to try again)/,
  },
  signals: {
    argv: (hook) => ["--settings", claudeHookSettings(hook.line)],
    read: readClaudeHook,
  },
  busyOnScreen: (screen) => /esc to interrupt/i.test(screen),
  argv(ctx) {
    const s = ctx.settings;
    return ok([
      s.bin ?? "claude",
      "--permission-mode",
      s.permissionMode ?? "bypassPermissions",
      ...(s.systemPromptFile ? ["--append-system-prompt-file", s.systemPromptFile] : []),
      ...(ctx.resume ? ["--continue"] : []),
      ...(s.args ?? []),
    ]);
  },
  env() {
    // Left on, claude updates itself with `npm install -g` from inside a peer's session.
    return { DISABLE_AUTOUPDATER: "1" };
  },
  cannotRun(ctx, env) {
    return missingClaudeCredentials({
      env,
      cwd: ctx.cwd,
      platform: process.platform,
      inKeychain: keychainHas,
    });
  },
  classify: classifyClaude,
};
