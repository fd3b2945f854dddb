import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inBatches, runSource, runSourceAsync } from "../helpers/cli";
import { tempDir } from "../helpers/temp";

/**
 * One rule for every command: 0 done, 1 refused or failed, 2 bad input; with --json, stdout is
 * exactly one JSON object, errors included; hints name only real flags.
 */

const home = () => ({ IAPEER_HOME: tempDir(), IAPEER_PORT: "0", IAPEER_SERVICE_MANAGER: "none" });

function oneObject(stdout: string): Record<string, unknown> {
  // JSON.parse of the whole of stdout fails on anything beside the one value.
  const value = JSON.parse(stdout);
  expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
  return value;
}

/** The commands `iapeer --help` lists, so a new command is held to the rule too. */
function commands(): string[] {
  const usage = runSource(["--help"]).stdout.match(/USAGE iapeer (\S+)/);
  return (usage?.[1] ?? "").split("|");
}

describe("the exit-code and JSON rule", () => {
  test("every command refuses an unknown option with exit 2 and one JSON object", () => {
    const names = commands();
    expect(names.length).toBeGreaterThan(20);
    const env = home();
    for (const name of names) {
      const r = runSource([name, "--bogus", "--json"], env);
      expect({ name, code: r.code }).toEqual({ name, code: 2 });
      expect(oneObject(r.stdout)).toEqual({ ok: false, error: expect.any(String), code: 2 });
    }
  });

  test("init: a missing folder and a folder name that makes no peer name are bad input", () => {
    const env = home();
    const missing = runSource(
      ["init", join(env.IAPEER_HOME, "nope"), "--runtime", "echo", "--json"],
      env,
    );
    expect(missing.code).toBe(2);
    expect(oneObject(missing.stdout)).toMatchObject({ ok: false, code: 2 });
    const dated = join(env.IAPEER_HOME, "2024-notes");
    mkdirSync(dated);
    const underivable = runSource(["init", dated, "--runtime", "echo"], env);
    expect(underivable.code).toBe(2);
    expect(underivable.stderr).toContain("--name");
    expect(runSource(["init", dated, "--runtime", "echo", "--name", "notes"], env).code).toBe(0);
  });

  test("exits of a peer never seen is refused like logs; a known peer with none is fine", () => {
    const env = home();
    const unknown = runSource(["exits", "nobody", "--json"], env);
    expect(unknown.code).toBe(1);
    expect(oneObject(unknown.stdout)).toMatchObject({ ok: false, code: 1 });
    expect(runSource(["create", "ana", "--runtime", "echo"], env).code).toBe(0);
    const known = runSource(["exits", "ana", "--json"], env);
    expect(known.code).toBe(0);
    expect(JSON.parse(known.stdout)).toEqual([]);
  });

  test("verify --fix --json: ok says how it ended, as the exit code does", () => {
    const env = home();
    expect(runSource(["create", "ana", "--runtime", "echo"], env).code).toBe(0);
    const profile = join(env.IAPEER_HOME, "peers", "ana", ".iapeer", "peer.json");
    const edited = { ...JSON.parse(readFileSync(profile, "utf8")), description: "edited by hand" };
    writeFileSync(profile, JSON.stringify(edited));
    const check = runSource(["verify", "--json"], env);
    expect(check.code).toBe(1);
    expect(oneObject(check.stdout)).toMatchObject({ ok: false, fixed: false });
    const fix = runSource(["verify", "--fix", "--json"], env);
    expect(fix.code).toBe(0);
    expect(JSON.parse(fix.stdout)).toMatchObject({ ok: true, fixed: true, matched: false });
    expect(JSON.parse(runSource(["verify", "--json"], env).stdout)).toMatchObject({ ok: true });
  });

  test("send --json keeps its shape when refused: id null, outcome failed, the code", () => {
    const env = home();
    const r = runSource(["send", "nobody", "-m", "hi", "--json"], env);
    expect(r.code).toBe(1);
    expect(oneObject(r.stdout)).toMatchObject({
      ok: false,
      id: null,
      outcome: "failed",
      woke: false,
      error: expect.stringContaining("no peer named nobody"),
      code: 1,
    });
  });

  test("hints name only flags that exist, and the command's own --help", () => {
    const env = home();
    const noCommand = runSource(["create", "zz", "--runtime", "command"], env);
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain("--command CMD");
    expect(noCommand.stderr).toContain("iapeer create --help");
    const noName = runSource(["create", "--runtime", "echo"], env);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toBe("iapeer: create needs <name>; see iapeer create --help\n");
    expect(runSource(["create", "ana", "--runtime", "echo"], env).code).toBe(0);
    const big = Bun.spawnSync(
      [
        process.execPath,
        join(import.meta.dir, "..", "..", "src", "cli", "main.ts"),
        "send",
        "ana",
        "-",
      ],
      {
        env: { ...process.env, ...env, NO_COLOR: "1" },
        stdin: new TextEncoder().encode("x".repeat(20_000)),
        stderr: "pipe",
      },
    );
    expect(big.exitCode).toBe(2);
    expect(big.stderr.toString()).not.toContain("attachment");
    expect(big.stderr.toString()).toContain("in a file");
  });
});

describe("--help", () => {
  /** Every command path, nested ones included, with its help, from each help's COMMANDS. */
  async function allHelps(): Promise<{ path: string[]; code: number; stdout: string }[]> {
    const found: { path: string[]; code: number; stdout: string }[] = [];
    let level: string[][] = [[]];
    while (level.length > 0) {
      const helps = await inBatches(level, 4, async (path) => ({
        path,
        ...(await runSourceAsync([...path, "--help"])),
      }));
      level = [];
      for (const h of helps) {
        if (h.path.length > 0) found.push(h);
        const section = h.stdout.split("COMMANDS")[1]?.split("\n\n")[1] ?? "";
        // A command's aliases follow its name: `list, ls, ps`.
        for (const m of section.matchAll(/^\s+([a-z-]+)(?:, [a-z-]+)*\s{2,}/gm))
          level.push([...h.path, m[1] as string]);
      }
    }
    return found;
  }

  test("send --help names its exit codes", () => {
    const r = runSource(["send", "--help"]);
    const codes = r.stdout.split("EXIT CODES\n\n")[1] ?? "";
    expect(codes.match(/^ {2}\d+/gm)?.map((c) => Number(c))).toEqual([0, 1, 2, 10, 11]);
  });

  test("every command's usage starts with iapeer and names it; every option is described", async () => {
    const helps = await allHelps();
    const paths = helps.map((h) => h.path);
    expect(paths).toContainEqual(["service", "install"]);
    expect(paths).toContainEqual(["daemon", "restart"]);
    expect(paths).toContainEqual(["list"]);
    expect(paths).toContainEqual(["remove"]);
    for (const { path, code, stdout } of helps) {
      expect({ path, code }).toEqual({ path, code: 0 });
      // Lines to copy, each starting with the command (or a note in brackets, a shell line).
      const examples = stdout.split("EXAMPLES\n\n")[1]?.split("\n\n")[0] ?? "";
      expect({ path, examples: examples !== "" }).toEqual({ path, examples: true });
      expect(stdout).toContain(`USAGE iapeer ${path.join(" ")}`);
      for (const section of ["ARGUMENTS", "OPTIONS"]) {
        const body = stdout.split(`${section}\n\n`)[1]?.split("\n\n")[0] ?? "";
        for (const line of body.split("\n").filter((l) => l.trim() !== "")) {
          // A flag and its description, at least two spaces apart.
          expect({ path, line: line.trim(), described: /\S\s{2,}\S/.test(line.trim()) }).toEqual({
            path,
            line: line.trim(),
            described: true,
          });
        }
      }
    }
  });
});
