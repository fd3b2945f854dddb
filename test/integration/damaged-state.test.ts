import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { createPeer } from "../../src/registry/create";
import { runSource } from "../helpers/cli";
import {
  checkpoint,
  corruptTables,
  oneLineError,
  overwritePages,
  pageHolding,
  runReadOnly,
} from "../helpers/damage";
import { type Sandbox, sandbox } from "../helpers/sandbox";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");

interface Queued {
  id: string;
  key: string | null;
  sender: string;
  recipient: string;
  body: string;
  state: string;
}

const QUEUE: Queued[] = [
  { id: "m_1", key: "job-1", sender: "human", recipient: "ana", body: "first", state: "queued" },
  { id: "m_2", key: null, sender: "ana", recipient: "bob", body: "née\nzwei", state: "delivering" },
  { id: "m_3", key: "job-3", sender: "bob", recipient: "ana", body: "done", state: "delivered" },
  // For another host, not yet taken by the mesh: only this database has it.
  { id: "m_4", key: null, sender: "bob", recipient: "cy@hostb", body: "far", state: "forwarding" },
];

/** Two peers and a queue with one message of each kind, closed and folded into the file. */
function seeded(sb: Sandbox, queue: Queued[] = QUEUE): void {
  const host = sb.host();
  for (const name of ["ana", "bob"]) {
    const made = createPeer(host, { name, runtime: "echo" });
    if (!made.ok) throw new Error(made.error);
  }
  const insert = host.store.db.query(
    `INSERT INTO messages (id, client_key, sender, recipient, body, state, created_at, updated_at, typing_at)
     VALUES (?, ?, ?, ?, ?, ?, '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', ?)`,
  );
  host.store.write(() => {
    for (const m of queue)
      insert.run(
        m.id,
        m.key,
        m.sender,
        m.recipient,
        m.body,
        m.state,
        m.state === "delivering" ? "2025-01-01T00:00:01.000Z" : null,
      );
  });
  host.store.close();
  checkpoint(sb.layout.dbPath);
}

function messagesIn(path: string): Queued[] {
  const db = new Database(path, { readonly: true });
  const rows = db
    .query(
      "SELECT id, client_key AS key, sender, recipient, body, state FROM messages ORDER BY seq",
    )
    .all() as Queued[];
  db.close();
  return rows;
}

const asides = (sb: Sandbox): string[] =>
  readdirSync(sb.layout.stateDir).filter((f) => f.includes(".corrupt-"));

/** The registry's names, read without starting a daemon (which would deliver the queue). */
function names(sb: Sandbox): string[] {
  const list = runSource(["list", "--names", "--json"], sb.env);
  if (list.code !== 0) throw new Error(list.stderr);
  return JSON.parse(list.stdout) as string[];
}

async function daemonRefuses(sb: Sandbox): Promise<string> {
  const proc = Bun.spawn([process.execPath, MAIN, "daemon"], {
    env: { ...process.env, ...sb.env, IAPEER_PORT: "0", NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill(), 20_000);
  const code = await proc.exited;
  clearTimeout(timer);
  const stderr = await new Response(proc.stderr).text();
  expect(code).toBe(1);
  expect(existsSync(join(sb.config.sockDir, "daemon.json"))).toBe(false);
  return oneLineError({ code, stdout: "", stderr });
}

describe("a state database that is empty or cut short", () => {
  test("0 bytes is refused by every command, with the way back, and left as it is", async () => {
    const sb = sandbox();
    seeded(sb);
    truncateSync(sb.layout.dbPath, 0);
    for (const args of [
      ["list"],
      ["status", "--json"],
      ["create", "cy", "--runtime", "echo"],
      ["send", "ana", "-m", "hi", "--no-wait"],
      ["stop", "ana"],
      ["remove", "ana"],
    ]) {
      const r = runSource(args, sb.env);
      expect(r.code).toBe(1);
      const line = oneLineError(r);
      expect(line).toContain("is empty");
      expect(line).toContain("`iapeer verify --fix`");
    }
    expect(statSync(sb.layout.dbPath).size).toBe(0);
    expect(await daemonRefuses(sb)).toContain("is empty");
    expect(existsSync(join(sb.layout.peersDir, "cy"))).toBe(false);
  }, 60_000);

  test("a file shorter than its header, or cut between pages, is refused", () => {
    const sb = sandbox();
    seeded(sb);
    const full = statSync(sb.layout.dbPath).size;
    truncateSync(sb.layout.dbPath, 60);
    expect(oneLineError(runSource(["list"], sb.env))).toContain("cut short");
    const other = sandbox();
    seeded(other);
    truncateSync(other.layout.dbPath, Math.floor(full / 2 / 4096) * 4096);
    const r = runSource(["create", "cy", "--runtime", "echo"], other.env);
    expect(r.code).toBe(1);
    expect(oneLineError(r)).toContain("`iapeer verify --fix`");
    expect(existsSync(join(other.layout.peersDir, "cy"))).toBe(false);
  });
});

describe("a state database with garbage inside", () => {
  test("commands refuse in one line, no stack trace; the daemon does not start", async () => {
    const sb = sandbox();
    seeded(sb);
    corruptTables(sb.layout.dbPath, ["peers", "sessions", "events"]);
    for (const args of [["list"], ["create", "cy", "--runtime", "echo"], ["remove", "ana"]]) {
      const r = runSource(args, sb.env);
      expect(r.code).toBe(1);
      const line = oneLineError(r);
      expect(line).toContain("damaged");
      expect(line).toContain("`iapeer verify --fix`");
    }
    expect(await daemonRefuses(sb)).toContain("damaged");
  }, 60_000);

  test("verify --fix sets it aside, keeps the undelivered messages and rebuilds the registry", () => {
    const sb = sandbox();
    seeded(sb);
    corruptTables(sb.layout.dbPath, ["peers", "sessions", "events"]);
    const fix = runSource(["verify", "--fix"], sb.env);
    expect(fix.stderr).not.toContain("internal error");
    expect(fix.code).toBe(0);
    expect(`${fix.stdout}${fix.stderr}`).toContain("salvaged 3 undelivered messages");
    expect(asides(sb).length).toBeGreaterThan(0);
    expect(names(sb)).toEqual(["ana", "bob"]);
    expect(messagesIn(sb.layout.dbPath)).toEqual(QUEUE.filter((m) => m.state !== "delivered"));
  });

  test("salvage reads around a damaged page of the queue itself", () => {
    const sb = sandbox();
    const queue: Queued[] = Array.from({ length: 80 }, (_, i) => ({
      id: `m_${String(i).padStart(3, "0")}`,
      key: `k${i}`,
      sender: "human",
      recipient: i % 2 ? "ana" : "bob",
      body: `body-${String(i).padStart(3, "0")}-${"x".repeat(400)}`,
      state: "queued",
    }));
    seeded(sb, queue);
    const page = pageHolding(sb.layout.dbPath, "body-040-");
    overwritePages(sb.layout.dbPath, 4096, [page]);
    const fix = runSource(["verify", "--fix", "--json"], sb.env);
    expect(fix.stderr).toBe("");
    const report = JSON.parse(fix.stdout);
    const kept = messagesIn(sb.layout.dbPath);
    expect(report.database.salvaged).toBe(kept.length);
    expect(kept.length).toBeGreaterThan(60);
    expect(kept.length).toBeLessThan(80);
    expect(kept.map((m) => m.id)).not.toContain("m_040");
    for (const m of kept) expect(m).toEqual(queue.find((q) => q.id === m.id) as Queued);
  });
});

describe("a state database that cannot be read or written", () => {
  test("is refused with what to fix; verify --fix does not set it aside", () => {
    const sb = sandbox();
    seeded(sb);
    // Root reads any file: a folder where the file should be is unreadable to anyone.
    const real = `${sb.layout.dbPath}.real`;
    renameSync(sb.layout.dbPath, real);
    mkdirSync(sb.layout.dbPath);
    const list = runSource(["list"], sb.env);
    expect(list.code).toBe(1);
    expect(oneLineError(list)).toContain("cannot read or write");
    const fix = runSource(["verify", "--fix"], sb.env);
    expect(fix.code).toBe(1);
    const line = oneLineError(fix);
    expect(line).toContain("not damaged");
    expect(line).not.toContain("`iapeer verify --fix` sets");
    expect(statSync(sb.layout.dbPath).isDirectory()).toBe(true);
    expect(asides(sb)).toEqual([]);
    rmSync(sb.layout.dbPath, { recursive: true });
    renameSync(real, sb.layout.dbPath);
    expect(names(sb)).toEqual(["ana", "bob"]);
  });

  test("on a read-only filesystem: refused, never set aside, the queue kept", () => {
    const sb = sandbox();
    seeded(sb);
    const list = runReadOnly(sb.layout.stateDir, ["list"], sb.env);
    expect(list.code).toBe(1);
    expect(oneLineError(list)).toContain("read-only");
    const fix = runReadOnly(sb.layout.stateDir, ["verify", "--fix"], sb.env);
    expect(fix.code).toBe(1);
    expect(oneLineError(fix)).toContain("not damaged");
    expect(asides(sb)).toEqual([]);
    expect(messagesIn(sb.layout.dbPath)).toEqual(QUEUE);
    expect(names(sb)).toEqual(["ana", "bob"]);
  });

  test("a healthy database is never set aside by verify --fix", () => {
    const sb = sandbox();
    seeded(sb);
    writeFileSync(join(sb.layout.peersDir, "ana", ".iapeer", "peer.json"), "{");
    runSource(["verify", "--fix"], sb.env);
    expect(asides(sb)).toEqual([]);
    expect(messagesIn(sb.layout.dbPath)).toEqual(QUEUE);
  });
});
