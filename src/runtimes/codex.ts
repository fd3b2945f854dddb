import { ok } from "../core/result";
import { tomlString } from "../core/toml";
import { supportsFlag } from "./cli-flags";
import { codexNotifyArgs, readCodexNotify } from "./codex-notify";
import { nonEmptyLines } from "./screen";
import type { RuntimeAdapter, Screen } from "./types";

/**
 * OpenAI Codex CLI, run with --no-alt-screen so its screen can be read. Screens recorded from
 * codex-cli 0.169.0 are in test/fixtures/screens/codex-*. `›` starts the input line but also
 * the trust dialog's cursor and every echoed user message: dialogs are recognised first, and
 * the input line is the last `› ` line.
 */

const FATAL: [RegExp, string][] = [
  [
    /Sign in with ChatGPT|Sign in another way|Paste or type your API key|Sign in with Device Code|account\/login\/start failed/,
    "codex is not signed in; run `codex login` once yourself (or pipe a key to `codex login --with-api-key`)",
  ],
];

const DIALOGS: [RegExp, string, readonly string[]][] = [
  [/Trust this folder\?|Do you trust the files in this folder\?/, "trust-folder", ["Enter"]],
  [/Warnings · \d+ of \d+/, "warnings", ["Escape"]],
  [/Press enter to continue/, "continue", ["Enter"]],
];

function classifyCodex(screen: string): Screen {
  for (const [pattern, cause] of FATAL) {
    if (pattern.test(screen)) return { kind: "fatal", cause };
  }
  for (const [pattern, name, keys] of DIALOGS) {
    if (pattern.test(screen)) return { kind: "dialog", name, keys };
  }
  const ready = nonEmptyLines(screen).some((line) => /^› /.test(line));
  return ready ? { kind: "ready" } : { kind: "booting" };
}

export const codexAdapter: RuntimeAdapter = {
  name: "codex",
  kind: "tui",
  bootTimeoutMs: 60_000,
  // Unconfigured, codex draws its input line about a second before its sign-in chooser.
  readyHoldMs: 1500,
  stuckScreenMs: 5000,
  markers: { prompt: "›", pastePlaceholder: /\[Pasted Content \d+ chars\]/, settleMs: 150 },
  argv(ctx) {
    const s = ctx.settings;
    const bin = s.bin ?? "codex";
    return ok([
      bin,
      ...(ctx.resume ? ["resume", "--last"] : []),
      "--no-alt-screen",
      // Without it codex starts a shared app-server that outlives the session and its tmux
      // server, and takes several times longer to start.
      ...(supportsFlag(bin, "--no-daemon", ctx.path) ? ["--no-daemon"] : []),
      "-C",
      ctx.cwd,
      // A peer that keeps codex's approvals asks a person (`iapeer approvals`); the two conflict.
      ...(s.approvals ? ["-a", s.approvals] : ["--dangerously-bypass-approvals-and-sandbox"]),
      // An unattended peer cannot answer the hooks review or the update offer: skip both.
      "--dangerously-bypass-hook-trust",
      "-c",
      "check_for_update_on_startup=false",
      // Codex reads the folder's .codex/config.toml (iapeer's MCP server) only when it trusts
      // the folder; this also spares a git repository the trust dialog.
      "-c",
      `projects={${tomlString(ctx.cwd)}={trust_level="trusted"}}`,
      ...(s.args ?? []),
    ]);
  },
  classify: classifyCodex,
  signals: {
    argv: (hook) => codexNotifyArgs(hook.argv),
    read: (payload) => readCodexNotify(payload),
  },
  // Enter during a turn interrupts it and the answer being streamed is lost.
  busyInterrupts: true,
  busyOnScreen: (screen) => /esc to interrupt/i.test(screen),
  turnFailedOnScreen: codexTurnFailed,
};

/** After the last message typed in (`› <…`), an error line (`■ …`): the turn ended in it. */
function codexTurnFailed(screen: string): string | undefined {
  const lines = nonEmptyLines(screen);
  const asked = lines.findLastIndex((l) => /^› \S/.test(l) && !/^› Ask Codex/.test(l));
  const failed = lines.slice(asked + 1).findLast((l) => /^■ /.test(l));
  return failed?.slice(2).trim();
}
