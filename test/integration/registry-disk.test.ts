import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { profilePath } from "../../src/registry/profile";
import { type CliResult, runSource } from "../helpers/cli";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { tempDir } from "../helpers/temp";

/**
 * The registry can be rebuilt from the disk alone: the folder index, the profiles and the
 * sessions' sockets. Everything here goes through the CLI, as a user would, without a daemon.
 */

interface Row {
  personality: string;
  runtime: string;
  state: string;
  pid?: number;
  problem?: string;
  cwd: string;
}

function cli(sb: Sandbox, ...args: string[]): CliResult {
  return runSource(args, { ...sb.env, IAPEER_PORT: "0" });
}

function ok(sb: Sandbox, ...args: string[]): string {
  const r = cli(sb, ...args);
  if (r.code !== 0) throw new Error(`iapeer ${args.join(" ")}: ${r.code} ${r.stderr}`);
  return r.stdout;
}

const list = (sb: Sandbox): Row[] => JSON.parse(ok(sb, "list", "--json")) as Row[];

function loseDatabase(sb: Sandbox, how: "deleted" | "truncated"): void {
  // Lost while no daemon holds it (init and create started one, as every command does).
  ok(sb, "daemon", "stop");
  for (const suffix of ["-wal", "-shm"]) rmSync(sb.layout.dbPath + suffix, { force: true });
  if (how === "deleted") rmSync(sb.layout.dbPath);
  else truncateSync(sb.layout.dbPath, 0);
}

const serverUp = (sb: Sandbox, identity: string): boolean =>
  sb
    .tmux(sb.identity("echo", identity.replace(/^echo-/, "")))
    .run(["has-session", "-t", `=${identity}`]).ok;

describe("the folder index", () => {
  test.each(["deleted", "truncated"] as const)(
    "a database %s loses no peer, init-adopted ones outside peers/ included",
    (how) => {
      const sb = sandbox();
      const outside = join(tempDir(), "Side Project");
      mkdirSync(outside);
      ok(sb, "init", outside, "--runtime", "echo");
      ok(sb, "create", "bob", "--runtime", "echo");
      const index = readFileSync(join(sb.layout.stateDir, "folders"), "utf8");
      expect(index.trim().split("\n").sort()).toEqual(
        [outside, join(sb.layout.peersDir, "bob")].sort(),
      );
      loseDatabase(sb, how);
      if (how === "truncated") {
        expect(cli(sb, "list").code).toBe(1);
        ok(sb, "verify", "--fix");
      }
      expect(list(sb).map((r) => [r.personality, r.cwd])).toEqual([
        ["bob", join(sb.layout.peersDir, "bob")],
        ["side-project", outside],
      ]);
      expect(JSON.parse(ok(sb, "verify", "--json")).ok).toBe(true);
    },
  );
});

describe("a broken profile", () => {
  test("is reported and kept, its session left running; verify --fix says which and fails", () => {
    const sb = sandbox();
    for (const name of ["ana", "bob", "cy"]) ok(sb, "create", name, "--runtime", "echo");
    ok(sb, "wake", "ana");
    writeFileSync(profilePath(join(sb.layout.peersDir, "ana")), '{"personality": "ana", ');
    const cyProfile = profilePath(join(sb.layout.peersDir, "cy"));
    const cy = JSON.parse(readFileSync(cyProfile, "utf8"));
    writeFileSync(cyProfile, JSON.stringify({ ...cy, runtimes: ["gpt"] }));

    const fix = cli(sb, "verify", "--fix");
    expect(fix.code).toBe(1);
    const said = `${fix.stdout}${fix.stderr}`;
    expect(said).toMatch(/ana: .*broken.*not valid JSON/);
    expect(said).toMatch(/cy: .*broken.*unknown runtime "gpt"/);
    const json = JSON.parse(cli(sb, "verify", "--fix", "--json").stdout);
    expect(json.ok).toBe(false);
    expect(
      json.problems
        .filter((p: { broken?: boolean }) => p.broken)
        .map((p: { peer: string }) => p.peer),
    ).toEqual(["ana", "cy"]);

    const rows = list(sb);
    expect(rows.map((r) => [r.personality, r.state])).toEqual([
      ["ana", "broken"],
      ["bob", "asleep"],
      ["cy", "broken"],
    ]);
    const ana = rows[0] as Row;
    expect(ana.problem).toContain("not valid JSON");
    expect(ana.pid).toBeGreaterThan(0);
    expect(serverUp(sb, "echo-ana")).toBe(true);
    const status = JSON.parse(ok(sb, "status", "ana", "--json"));
    expect(status.runtimes[0].state).toBe("broken");
    expect(status.problem).toContain("not valid JSON");
    expect(JSON.parse(ok(sb, "status", "--json")).peers.broken).toBe(2);
  });

  test("survives the loss of the database too, while its session runs", () => {
    const sb = sandbox();
    for (const name of ["ana", "bob"]) ok(sb, "create", name, "--runtime", "echo");
    ok(sb, "wake", "ana");
    writeFileSync(profilePath(join(sb.layout.peersDir, "ana")), "not json at all");
    loseDatabase(sb, "truncated");
    const fix = cli(sb, "verify", "--fix");
    expect(fix.code).toBe(1);
    expect(`${fix.stdout}${fix.stderr}`).toContain("ana");
    const rows = list(sb);
    expect(rows.map((r) => [r.personality, r.state])).toEqual([
      ["ana", "broken"],
      ["bob", "asleep"],
    ]);
    expect(serverUp(sb, "echo-ana")).toBe(true);
  });
});

describe("running sessions are found again from their sockets", () => {
  test("after the database is lost, list shows them live; stop and remove end them", () => {
    const sb = sandbox();
    for (const name of ["ana", "bob"]) ok(sb, "create", name, "--runtime", "echo");
    ok(sb, "wake", "ana");
    ok(sb, "wake", "bob");
    loseDatabase(sb, "truncated");
    ok(sb, "verify", "--fix");
    const rows = list(sb);
    expect(rows.map((r) => [r.personality, r.state])).toEqual([
      ["ana", "live"],
      ["bob", "live"],
    ]);
    expect(rows.every((r) => (r.pid ?? 0) > 0)).toBe(true);
    expect(JSON.parse(ok(sb, "stop", "ana", "--json")).stopped).toEqual(["echo-ana"]);
    expect(serverUp(sb, "echo-ana")).toBe(false);
    expect(JSON.parse(ok(sb, "remove", "bob", "--json")).stopped).toEqual(["echo-bob"]);
    expect(serverUp(sb, "echo-bob")).toBe(false);
  });

  test("a session the database forgot is live again in list, and stop stops it", () => {
    const sb = sandbox();
    ok(sb, "create", "ana", "--runtime", "echo");
    ok(sb, "wake", "ana");
    const host = sb.host();
    host.store.db.run("DELETE FROM sessions");
    expect(list(sb).map((r) => r.state)).toEqual(["live"]);
    expect(JSON.parse(ok(sb, "stop", "ana", "--json")).stopped).toEqual(["echo-ana"]);
    expect(serverUp(sb, "echo-ana")).toBe(false);
  });
});
