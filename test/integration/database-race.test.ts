import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
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

describe("commands racing on one home", () => {
  test("with no daemon running at first: the database stays whole, no false damage", async () => {
    await race(false);
  }, 180_000);

  test("with the daemon running: the database stays whole, no false damage", async () => {
    await race(true);
  }, 180_000);
});
