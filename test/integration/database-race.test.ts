import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { profilePath } from "../../src/registry/profile";
import { runSource, runSourceAsync } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

/**
 * Fleet and registry commands racing on one home: whatever runs at once, the state database
 * stays whole and no command reports damage that is not there. (A process that opened and closed
 * the database's files beside its own connection dropped SQLite's locks: indexes out of step,
 * false "damaged" reports, SIGBUS.)
 */

const DAMAGE = /is damaged|cut short|internal error|SIGBUS|unable to get the page/;

function fleetFile(dir: string, name: string, peers: string[]): string {
  const path = join(dir, `${name}.toml`);
  writeFileSync(path, peers.map((p) => `[peers.${p}]\nruntime = "echo"\n`).join("\n"));
  return path;
}

async function race(daemonFirst: boolean): Promise<void> {
  const sb = sandbox({ IAPEER_PORT: "0" });
  const a = fleetFile(sb.config.home, "a", ["a1", "a2"]);
  const b = fleetFile(sb.config.home, "b", ["b1", "b2"]);
  if (daemonFirst) expect(runSource(["daemon", "start"], sb.env).code).toBe(0);
  const said: string[] = [];
  for (let round = 0; round < 4; round++) {
    const runs = await Promise.all([
      runSourceAsync(["up", a], sb.env),
      runSourceAsync(["up", b], sb.env),
      runSourceAsync(["create", `c${round}`, "--runtime", "echo"], sb.env),
      runSourceAsync(["list", "--json"], sb.env),
      runSourceAsync(["status", "--json"], sb.env),
      runSourceAsync(["stop", "all"], sb.env),
    ]);
    for (const r of runs) said.push(r.stderr);
    expect(runs[2]?.code).toBe(0);
  }
  expect(said.filter((line) => DAMAGE.test(line))).toEqual([]);
  expect(runSource(["daemon", "stop"], sb.env).code).toBe(0);
  const db = new Database(sb.layout.dbPath, { readonly: true });
  try {
    expect(db.query("PRAGMA integrity_check").all()).toEqual([{ integrity_check: "ok" }]);
    const names = (
      db.query("SELECT personality FROM peers ORDER BY 1").all() as {
        personality: string;
      }[]
    ).map((r) => r.personality);
    expect(names).toEqual(["a1", "a2", "b1", "b2", "c0", "c1", "c2", "c3"]);
  } finally {
    db.close();
  }
}

/**
 * Registry commands racing on overlapping names: `create` and `remove` of one name, `set` and
 * `edit`-free changes of another, `init` of a folder, new names beside them. Each may be refused
 * (exit 1: taken, gone), never bad input, never damage; at the end every peer's profile on disk
 * is the registry's copy, and a removed peer left no profile behind.
 */
async function registryRace(daemonFirst: boolean): Promise<void> {
  const sb = sandbox({ IAPEER_PORT: "0" });
  const folder = join(sb.config.home, "side");
  mkdirSync(folder);
  expect(runSource(["create", "y", "--runtime", "echo"], sb.env).code).toBe(0);
  if (!daemonFirst) expect(runSource(["daemon", "stop"], sb.env).code).toBe(0);
  const said: string[] = [];
  for (let round = 0; round < 4; round++) {
    const runs = await Promise.all([
      runSourceAsync(["create", "x", "--runtime", "echo"], sb.env),
      runSourceAsync(["remove", "x"], sb.env),
      runSourceAsync(["set", "y", `description=round ${round}`], sb.env),
      runSourceAsync(["set", "x", `description=round ${round}`], sb.env),
      runSourceAsync(["create", `z${round}`, "--runtime", "echo"], sb.env),
      runSourceAsync(["init", folder, "--runtime", "echo"], sb.env),
      runSourceAsync(["list", "--json"], sb.env),
    ]);
    for (const r of runs) said.push(r.stderr);
    expect(runs.map((r) => r.code).filter((code) => code !== 0 && code !== 1)).toEqual([]);
    expect([runs[2]?.code, runs[4]?.code]).toEqual([0, 0]);
    if (!daemonFirst) expect(runSource(["daemon", "stop"], sb.env).code).toBe(0);
  }
  expect(said.filter((line) => DAMAGE.test(line))).toEqual([]);
  runSource(["daemon", "stop"], sb.env);
  const db = new Database(sb.layout.dbPath, { readonly: true });
  try {
    expect(db.query("PRAGMA integrity_check").all()).toEqual([{ integrity_check: "ok" }]);
    const rows = db.query("SELECT personality, cwd, profile FROM peers ORDER BY 1").all() as {
      personality: string;
      cwd: string;
      profile: string;
    }[];
    const names = rows.map((r) => r.personality).filter((n) => n !== "x");
    expect(names).toEqual(["side", "y", "z0", "z1", "z2", "z3"]);
    for (const r of rows)
      expect([r.personality, JSON.parse(readFileSync(profilePath(r.cwd), "utf8"))]).toEqual([
        r.personality,
        JSON.parse(r.profile),
      ]);
    expect(JSON.parse(rows.find((r) => r.personality === "y")?.profile ?? "{}").description).toBe(
      "round 3",
    );
    if (!rows.some((r) => r.personality === "x"))
      expect(existsSync(profilePath(join(sb.layout.peersDir, "x")))).toBe(false);
  } finally {
    db.close();
  }
}

describe("commands racing on one home", () => {
  test("with no daemon running at first: the database stays whole, no false damage", async () => {
    await race(false);
  }, 180_000);

  test("with the daemon running: the database stays whole, no false damage", async () => {
    await race(true);
  }, 180_000);

  test("registry commands, no daemon between rounds: each change whole or refused", async () => {
    await registryRace(false);
  }, 180_000);

  test("registry commands, the daemon running: each change whole or refused", async () => {
    await registryRace(true);
  }, 180_000);
});
