import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/core/config";
import { compareTmux, runChecks } from "../../src/doctor/checks";
import { runCommand } from "../../src/service/runner";
import { runSource } from "../helpers/cli";
import { tempDir } from "../helpers/temp";

interface Check {
  check: string;
  ok: boolean;
  level: string;
  detail: string;
  fix?: string;
}

function doctor(env: Record<string, string>) {
  const r = runSource(["doctor", "--json"], { IAPEER_SERVICE_MANAGER: "none", ...env });
  return { code: r.code, checks: JSON.parse(r.stdout) as Check[] };
}

const byName = (checks: Check[], name: string) => checks.find((c) => c.check === name);

/** A folder with a fake binary in it: prints `output` for --version. */
function fakeBin(name: string, output: string): string {
  const dir = tempDir();
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho '${output}'\n`);
  chmodSync(path, 0o755);
  return dir;
}

describe("iapeer doctor", () => {
  test("a healthy home: exit 0, every check a {check, ok, level, detail, fix?}", () => {
    const home = tempDir();
    const { code, checks } = doctor({ IAPEER_HOME: home });
    expect(code).toBe(0);
    for (const c of checks)
      expect(Object.keys(c).sort()).toEqual(
        c.fix ? ["check", "detail", "fix", "level", "ok"] : ["check", "detail", "level", "ok"],
      );
    expect(byName(checks, "tmux")).toMatchObject({ ok: true, level: "ok" });
    expect(byName(checks, "home")).toMatchObject({ ok: true });
    expect(byName(checks, "daemon")).toMatchObject({ ok: true, level: "warn" });
  });

  test("a home others can read is a failure with the chmod that fixes it", () => {
    const home = tempDir();
    chmodSync(home, 0o755);
    const { code, checks } = doctor({ IAPEER_HOME: home });
    expect(code).toBe(1);
    expect(byName(checks, "home")).toMatchObject({
      ok: false,
      level: "fail",
      fix: `chmod 700 ${home}`,
    });
  });

  test("no tmux on PATH blocks, and says how to install it", () => {
    const empty = tempDir();
    const { code, checks } = doctor({ IAPEER_HOME: tempDir(), PATH: empty });
    expect(code).toBe(1);
    expect(byName(checks, "tmux")).toMatchObject({
      ok: false,
      detail: "tmux was not found on PATH",
    });
    expect(byName(checks, "tmux")?.fix).toContain("install tmux");
  });

  test("a runtime's binary is found and its version shown", () => {
    const bin = fakeBin("codex", "codex-cli 9.9.9");
    const { checks } = doctor({ IAPEER_HOME: tempDir(), PATH: `${bin}:${process.env.PATH}` });
    // The fake prints its version for any arguments, `login status` included: signed in.
    expect(byName(checks, "runtime:codex")).toMatchObject({
      ok: true,
      level: "ok",
      detail: `codex-cli 9.9.9 at ${join(bin, "codex")}`,
    });
    const claude = fakeBin("claude", "9.9.9 (Claude Code)");
    const c = byName(
      doctor({
        IAPEER_HOME: tempDir(),
        IS_SANDBOX: "1",
        ANTHROPIC_API_KEY: "sk-test",
        PATH: `${claude}:${process.env.PATH}`,
      }).checks,
      "runtime:claude",
    );
    expect(c).toMatchObject({
      ok: true,
      level: "ok",
      detail: `9.9.9 (Claude Code) at ${join(claude, "claude")}`,
    });
  });

  test("claude as root without IS_SANDBOX is a warning naming permissionMode; as a user, or told it is a sandbox, it is ok", () => {
    // The uid is the config's, so both sides run whoever runs the tests (CI is root).
    const claude = fakeBin("claude", "9.9.9 (Claude Code)");
    const claudeCheck = (uid: number, isSandbox: string) => {
      const home = tempDir();
      const loaded = loadConfig({
        uid,
        platform: "linux",
        env: {
          HOME: home,
          IAPEER_HOME: home,
          IAPEER_SERVICE_MANAGER: "none",
          IS_SANDBOX: isSandbox,
          ANTHROPIC_API_KEY: "sk-test",
          PATH: `${claude}:${process.env.PATH}`,
        },
      });
      if (!loaded.ok) throw new Error(loaded.error);
      return byName(
        runChecks({ config: loaded.value, run: runCommand, iapeer: ["iapeer"] }),
        "runtime:claude",
      );
    };
    expect(claudeCheck(0, "")).toMatchObject({
      ok: true,
      level: "warn",
      detail: expect.stringContaining("as root it refuses --permission-mode bypassPermissions"),
      fix: expect.stringContaining("permissionMode"),
    });
    expect(claudeCheck(0, "1")).toMatchObject({ ok: true, level: "ok" });
    expect(claudeCheck(1000, "")).toMatchObject({ ok: true, level: "ok" });
  });

  test("claude with nothing to sign in with is a warning that says how to fix it", () => {
    const claude = fakeBin("claude", "9.9.9 (Claude Code)");
    const home = tempDir();
    const env = {
      IAPEER_HOME: home,
      HOME: home,
      IS_SANDBOX: "1",
      PATH: `${claude}:${process.env.PATH}`,
    };
    const without = byName(
      doctor({ ...env, ANTHROPIC_API_KEY: "", ANTHROPIC_AUTH_TOKEN: "" }).checks,
      "runtime:claude",
    );
    expect(without).toMatchObject({
      level: "warn",
      detail: expect.stringContaining("not signed in"),
    });
    expect(without?.fix).toContain("ANTHROPIC_API_KEY");
    const withKey = byName(
      doctor({ ...env, ANTHROPIC_API_KEY: "sk-test" }).checks,
      "runtime:claude",
    );
    expect(withKey).toMatchObject({ ok: true, level: "ok" });
  });

  test("codex with a provider of the user's own needs no sign-in", () => {
    const dir = tempDir();
    const codex = join(dir, "codex");
    // Signed out: `login status` fails; --version works.
    writeFileSync(codex, '#!/bin/sh\n[ "$1" = login ] && exit 1\necho "codex-cli 9.9.9"\n');
    chmodSync(codex, 0o755);
    const home = tempDir();
    const env = {
      IAPEER_HOME: home,
      HOME: home,
      CODEX_HOME: "",
      PATH: `${dir}:${process.env.PATH}`,
    };
    expect(byName(doctor(env).checks, "runtime:codex")).toMatchObject({
      level: "warn",
      detail: expect.stringContaining("not signed in"),
    });
    mkdirSync(join(home, ".codex"));
    writeFileSync(join(home, ".codex", "config.toml"), 'model_provider = "local"\n');
    expect(byName(doctor(env).checks, "runtime:codex")).toMatchObject({ ok: true });
  });

  test("an unreadable state database is a failure that says it is not damaged", () => {
    const home = tempDir();
    chmodSync(home, 0o700);
    // A directory where the file goes: unreadable as a database, for root too.
    mkdirSync(join(home, "state", "iapeer.db"), { recursive: true });
    const { code, checks } = doctor({ IAPEER_HOME: home });
    expect(code).toBe(1);
    expect(byName(checks, "database")?.detail).toContain("cannot read or write");
    expect(byName(checks, "database")?.fix).toContain("not damaged");
    expect(byName(checks, "database")?.fix).not.toContain("sets a broken database aside");
  });

  test("a broken state database is a failure pointing at verify --fix", () => {
    const home = tempDir();
    mkdirSync(join(home, "state"), { mode: 0o700 });
    chmodSync(home, 0o700);
    writeFileSync(join(home, "state", "iapeer.db"), "not a database ".repeat(100));
    const { code, checks } = doctor({ IAPEER_HOME: home });
    expect(code).toBe(1);
    expect(byName(checks, "database")?.fix).toContain("iapeer verify --fix");
  });

  test("tmux versions", () => {
    expect(compareTmux("3.3a")).toBe(0);
    expect(compareTmux("3.5")).toBeGreaterThan(0);
    expect(compareTmux("3.2a")).toBeLessThan(0);
    expect(compareTmux("2.9")).toBeLessThan(0);
    expect(compareTmux("next-3.6")).toBeGreaterThan(0);
  });
});
