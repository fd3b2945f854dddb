import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ok } from "../../src/core/result";
import { launch } from "../../src/launch/launch";
import type { RuntimeAdapter, Screen } from "../../src/runtimes/types";
import { sandbox } from "../helpers/sandbox";

/** A TUI adapter over a shell script, with the boot rules under test. */
function scripted(
  script: string,
  classify: (screen: string) => Screen,
  rules: Pick<RuntimeAdapter, "readyHoldMs" | "stuckScreenMs"> = {},
): RuntimeAdapter {
  return {
    name: "scripted",
    kind: "tui",
    bootTimeoutMs: 60_000,
    markers: { prompt: ">", settleMs: 50 },
    ...rules,
    argv: () => ok(["/bin/sh", "-c", script]),
    classify,
  };
}

async function boot(adapter: RuntimeAdapter) {
  const sb = sandbox();
  const id = sb.identity("command", "boot");
  const started = performance.now();
  const result = await launch(
    { identity: id, cwd: sb.peerDir("boot"), resume: false, settings: {} },
    adapter,
    sb.launchConfig(id),
  );
  return { result, ms: performance.now() - started, tmux: sb.tmux(id), id };
}

const readyOrSignIn = (screen: string): Screen =>
  screen.includes("Sign in")
    ? { kind: "fatal", cause: "not signed in" }
    : /^> $/m.test(`${screen.trimEnd()} `)
      ? { kind: "ready" }
      : { kind: "booting" };

describe("the boot loop", () => {
  test("an unknown screen that stops changing fails fast, quoting its last lines", async () => {
    const script = "printf 'Welcome\\nPick a colour:\\n  1. red\\n  2. blue\\n'; sleep 60";
    const { result, ms } = await boot(
      scripted(script, () => ({ kind: "booting" }), { stuckScreenMs: 1500 }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe("unknown-screen");
    expect(result.error).toContain("stopped at a screen iapeer does not know");
    expect(result.error).toContain('"Pick a colour:" / "1. red" / "2. blue"');
    // Well before the 60 s deadline: the still screen is the cause.
    expect(ms).toBeLessThan(30_000);
  });

  test("a blank screen is still starting, not unknown: only the deadline ends it", async () => {
    const { result } = await boot({
      ...scripted("sleep 60", () => ({ kind: "booting" }), { stuckScreenMs: 300 }),
      bootTimeoutMs: 2500,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toBe("timeout");
  });

  test("a ready screen that turns into a sign-in screen is not ready", async () => {
    const dir = sandbox().peerDir("script");
    const file = join(dir, "flip.sh");
    writeFileSync(
      file,
      "printf '> '; sleep 1.5; clear; printf 'Sign in with your account\\n'; sleep 60\n",
    );
    const held = await boot(scripted(`sh ${file}`, readyOrSignIn, { readyHoldMs: 3000 }));
    expect(held.result.ok).toBe(false);
    if (!held.result.ok) {
      expect(held.result.reason).toBe("fatal-screen");
      expect(held.result.error).toContain("not signed in");
    }
    // Without a hold the first ready look would have been taken at its word.
    const hasty = await boot(scripted(`sh ${file}`, readyOrSignIn));
    expect(hasty.result.ok).toBe(true);
  });

  test("a ready screen that holds is ready after the hold", async () => {
    const { result } = await boot(
      scripted("printf '> '; sleep 60", readyOrSignIn, { readyHoldMs: 800 }),
    );
    if (!result.ok) throw new Error(result.error);
    expect(result.session.readyMs).toBeGreaterThanOrEqual(800);
  });

  test("a dialog's keys go one at a time, and an answer that is taking is not repeated", async () => {
    // The dialog reads one key per `read`: an arrow and Enter in one burst would arrive as one.
    const script = [
      "stty raw -echo",
      "printf 'Use this key?  1. Yes  2. No (default)\\r\\n'",
      "a=$(dd bs=16 count=1 2>/dev/null | od -An -c | tr -d ' \\n')",
      "b=$(dd bs=16 count=1 2>/dev/null | od -An -c | tr -d ' \\n')",
      "stty sane",
      'printf "keys: [%s] [%s]\\n" "$a" "$b"',
      "sleep 1; printf '> '; sleep 60",
    ].join("; ");
    const adapter = scripted(script, (screen) => {
      if (screen.includes("keys:"))
        return /^> $/m.test(`${screen.trimEnd()} `) ? { kind: "ready" } : { kind: "booting" };
      if (screen.includes("Use this key?")) {
        return { kind: "dialog", name: "api-key", keys: ["Up", "Enter"] };
      }
      return { kind: "booting" };
    });
    const { result, tmux, id } = await boot(adapter);
    if (!result.ok) throw new Error(result.error);
    expect(result.session.dialogs).toEqual(["api-key"]);
    const screen = (await tmux.capturePane(id.identity)).stdout;
    // Up arrives as its own read (ESC [ A), then Enter (\r).
    expect(screen).toContain("keys: [033[A] [\\r]");
  });
});
