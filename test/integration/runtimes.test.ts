import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Identity } from "../../src/core/names";
import { movesTo } from "../../src/runtimes/choose";
import { claudeAdapter } from "../../src/runtimes/claude";
import { codexAdapter } from "../../src/runtimes/codex";
import { commandAdapter } from "../../src/runtimes/command";
import { echoAdapter } from "../../src/runtimes/echo";
import { adapterFor } from "../../src/runtimes/registry";
import { inputLine, stripAnsi } from "../../src/runtimes/screen";
import { telegramAdapter } from "../../src/runtimes/telegram";
import type { RuntimeAdapter, RuntimeContext, Screen } from "../../src/runtimes/types";
import { tempDir } from "../helpers/temp";

const SCREENS = join(import.meta.dir, "..", "fixtures", "screens");

/** Both captures of a recorded screen: plain, and the colour one with its escapes stripped. */
function screens(name: string): [string, string] {
  return [
    readFileSync(join(SCREENS, `${name}.txt`), "utf8"),
    stripAnsi(readFileSync(join(SCREENS, `${name}.ansi.txt`), "utf8")),
  ];
}

function expectScreen(
  adapter: RuntimeAdapter,
  name: string,
  expected: Partial<Screen> & { kind: Screen["kind"] },
) {
  for (const screen of screens(name)) expect(adapter.classify(screen, {})).toMatchObject(expected);
}

describe("claude screens", () => {
  test.each([
    ["claude-ready", { kind: "ready" }],
    ["claude-ready-after-onboarding", { kind: "ready" }],
    ["claude-ready-bypass", { kind: "ready" }],
    ["claude-ready-with-draft", { kind: "ready" }],
    ["claude-theme-picker", { kind: "dialog", name: "theme", keys: ["Enter"] }],
    ["claude-api-key-prompt", { kind: "dialog", name: "api-key", keys: ["Enter"] }],
    ["claude-security-notes", { kind: "dialog", name: "security-notes", keys: ["Enter"] }],
    ["claude-trust-folder", { kind: "dialog", name: "trust-folder", keys: ["Enter"] }],
    ["claude-bypass-warning", { kind: "dialog", name: "bypass-permissions", keys: ["Enter"] }],
    ["claude-login", { kind: "fatal" }],
    ["claude-login-oauth-url", { kind: "fatal" }],
    ["claude-root-bypass-refused", { kind: "fatal" }],
    ["claude-root-bypass-refused-after-exit", { kind: "fatal" }],
    ["claude-first-run-unreachable", { kind: "fatal" }],
  ] as const)("%s → %o", (name, expected) => expectScreen(claudeAdapter, name, expected));

  test.each([
    // The API key's list defaults to No; bypass mode's to "No, exit": both are moved off.
    ["claude-api-key-prompt", -1],
    ["claude-trust-folder", 1],
    ["claude-bypass-warning", 1],
    ["claude-trust-folder-preapproved", 1],
  ] as const)(
    "%s: the answer moves the cursor %d rows, onto the accepting option",
    (name, moves) => {
      for (const screen of screens(name)) {
        const seen = claudeAdapter.classify(screen, {});
        if (seen.kind !== "dialog" || !seen.choose)
          throw new Error(`${name}: ${JSON.stringify(seen)}`);
        expect(movesTo(screen, seen.choose.cursor, seen.choose.option)).toBe(moves);
      }
    },
  );

  test("fatal causes say what is wrong and what to do", () => {
    const [root] = screens("claude-root-bypass-refused");
    expect(claudeAdapter.classify(root, {})).toEqual({
      kind: "fatal",
      cause:
        "claude refuses to bypass permissions as root; run iapeer as a normal user, or give the peer another permission mode",
    });
    const [offline] = screens("claude-first-run-unreachable");
    const r = claudeAdapter.classify(offline, {});
    expect(r.kind === "fatal" && r.cause).toContain("ENOTFOUND");
    const [login] = screens("claude-login");
    expect(claudeAdapter.classify(login, {})).toMatchObject({
      cause: expect.stringContaining("not signed in"),
    });
  });

  test("the input line is read out of the box, drafts included", () => {
    const [ready] = screens("claude-ready");
    const [draft] = screens("claude-ready-with-draft");
    expect(inputLine(ready, claudeAdapter.markers.prompt)).toBe("");
    expect(inputLine(draft, claudeAdapter.markers.prompt)).toBe("Say hello in one word");
  });

  test("a blank or half-drawn screen is still booting", () => {
    expect(claudeAdapter.classify("", {})).toEqual({ kind: "booting" });
    expect(claudeAdapter.classify("Welcome to Claude Code v2.1.197\n", {})).toEqual({
      kind: "booting",
    });
  });
});

describe("codex screens", () => {
  test.each([
    ["codex-ready", { kind: "ready" }],
    ["codex-ready-after-trust", { kind: "ready" }],
    ["codex-ready-tmp-home-warning", { kind: "ready" }],
    ["codex-ready-with-draft", { kind: "ready" }],
    ["codex-trust-folder", { kind: "dialog", name: "trust-folder", keys: ["Enter"] }],
    ["codex-warnings-panel", { kind: "dialog", name: "warnings", keys: ["Escape"] }],
    ["codex-signin", { kind: "fatal" }],
    ["codex-signin-other", { kind: "fatal" }],
    ["codex-signin-api-key", { kind: "fatal" }],
    ["codex-signin-device-code-error", { kind: "fatal" }],
  ] as const)("%s → %o", (name, expected) => expectScreen(codexAdapter, name, expected));

  test("the input line is the last › line, not an echoed message", () => {
    const [working] = screens("codex-working");
    const [draft] = screens("codex-ready-with-draft");
    expect(inputLine(working, codexAdapter.markers.prompt)).toBe("Ask Codex to do anything");
    expect(inputLine(draft, codexAdapter.markers.prompt)).toBe("Say hello in one word");
  });
});

const ctx = (over: Partial<RuntimeContext> = {}): RuntimeContext => ({
  identity: { runtime: "x", personality: "ana", identity: "x-ana" } as Identity,
  cwd: "/work/ana",
  resume: false,
  settings: {},
  iapeer: ["/usr/local/bin/iapeer"],
  path: "/usr/bin:/bin",
  ...over,
});

describe("argv", () => {
  test("claude: permission mode, system prompt file, --continue to resume, extra args", () => {
    expect(claudeAdapter.argv(ctx())).toEqual({
      ok: true,
      value: ["claude", "--permission-mode", "bypassPermissions"],
    });
    expect(
      claudeAdapter.argv(
        ctx({
          resume: true,
          settings: {
            permissionMode: "acceptEdits",
            systemPromptFile: "/p/role.md",
            args: ["--model", "opus"],
          },
        }),
      ),
    ).toEqual({
      ok: true,
      value: [
        "claude",
        "--permission-mode",
        "acceptEdits",
        "--append-system-prompt-file",
        "/p/role.md",
        "--continue",
        "--model",
        "opus",
      ],
    });
    expect(claudeAdapter.env?.(ctx())).toEqual({ DISABLE_AUTOUPDATER: "1" });
  });

  test("codex: readable screen, its folder trusted, bypass; resume --last to resume", () => {
    const fresh = codexAdapter.argv(ctx());
    expect(fresh.ok && fresh.value).toEqual([
      "codex",
      "--no-alt-screen",
      "-C",
      "/work/ana",
      "--dangerously-bypass-approvals-and-sandbox",
      "--dangerously-bypass-hook-trust",
      "-c",
      "check_for_update_on_startup=false",
      "-c",
      'projects={"/work/ana"={trust_level="trusted"}}',
    ]);
    const resumed = codexAdapter.argv(ctx({ resume: true }));
    expect(resumed.ok && resumed.value.slice(0, 3)).toEqual(["codex", "resume", "--last"]);
  });

  test("codex: --no-daemon only when the installed codex lists it in its help", () => {
    const bin = tempDir();
    const fake = (name: string, help: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\nprintf '%s\\n' '${help}'\n`, { mode: 0o755 });
    };
    fake(
      "codex-new",
      "      --no-alt-screen\n      --no-daemon\n          Run without the shared background server",
    );
    fake("codex-old", "      --no-alt-screen\n      --no-daemonize-this");
    const path = `${bin}:/usr/bin:/bin`;
    const argv = (b: string) => {
      const r = codexAdapter.argv(ctx({ path, settings: { bin: b } }));
      return r.ok ? r.value : [];
    };
    expect(argv("codex-new")).toContain("--no-daemon");
    expect(argv("codex-old")).not.toContain("--no-daemon");
  });

  test("codex: the trusted folder is a TOML key codex can parse, whatever its characters", () => {
    const r = codexAdapter.argv(ctx({ cwd: '/w/a "b".c\\d' }));
    const override = r.ok ? r.value.find((a) => a.startsWith("projects=")) : undefined;
    expect(Bun.TOML.parse(`${override}`)).toEqual({
      projects: { '/w/a "b".c\\d': { trust_level: "trusted" } },
    });
  });

  test("command: exec'd through sh, and required", () => {
    expect(commandAdapter.argv(ctx({ settings: { command: "aider --yes" } }))).toEqual({
      ok: true,
      value: ["/bin/sh", "-c", "exec aider --yes"],
    });
    const missing = commandAdapter.argv(ctx());
    expect(missing.ok).toBe(false);
  });

  test("telegram: this iapeer's bridge, or <bin> run; echo: this iapeer's echo-agent", () => {
    expect(telegramAdapter.argv(ctx())).toEqual({
      ok: true,
      value: ["/usr/local/bin/iapeer", "telegram-bridge"],
    });
    expect(telegramAdapter.argv(ctx({ settings: { bin: "/opt/tg" } }))).toEqual({
      ok: true,
      value: ["/opt/tg", "run"],
    });
    expect(echoAdapter.argv(ctx({ settings: { bootDelayMs: 500, bootDialog: true } }))).toEqual({
      ok: true,
      value: ["/usr/local/bin/iapeer", "echo-agent", "--boot-delay-ms", "500", "--boot-dialog"],
    });
  });

  test("every built-in runtime has an adapter; others are refused", () => {
    for (const rt of ["claude", "codex", "telegram", "command", "echo"])
      expect(adapterFor(rt).ok).toBe(true);
    expect(adapterFor("gpt").ok).toBe(false);
  });
});

describe("command runtime readiness", () => {
  test("by ready regex, by prompt glyph, or at once", () => {
    expect(commandAdapter.classify("loading…", { ready: "^aider>" })).toEqual({ kind: "booting" });
    expect(commandAdapter.classify("banner\naider> ", { ready: "^aider>" })).toEqual({
      kind: "ready",
    });
    expect(commandAdapter.classify("banner\n$ ", { prompt: "$" })).toEqual({ kind: "ready" });
    expect(commandAdapter.classify("", {})).toEqual({ kind: "ready" });
  });
});
