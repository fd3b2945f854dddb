import { afterEach, expect, test } from "bun:test";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Directory, type DirectoryEntry } from "../../src/mesh/directory";
import { DIRECTORY_BUCKET } from "../../src/mesh/subjects";
import { startNats } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";

const open: NatsConnection[] = [];
afterEach(async () => {
  for (const nc of open.splice(0)) await nc.close();
});

async function directory(): Promise<{ dir: Directory; nc: NatsConnection }> {
  const nc = await connect({ servers: (await startNats()).url });
  open.push(nc);
  const dir = await Directory.open(nc);
  if (!dir.ok) throw new Error(dir.error);
  return { dir: dir.value, nc };
}

const entry = (host: string, personality: string, more: Partial<DirectoryEntry> = {}) => ({
  host,
  personality,
  runtimes: ["echo"],
  state: "asleep",
  lastSeen: "2026-11-25T12:00:00.000Z",
  ...more,
});

async function listed(dir: Directory) {
  const r = await dir.list();
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

natsDescribe("the directory of peers", () => {
  test("entries round-trip, one per host and personality, the last put winning", async () => {
    const { dir } = await directory();
    const ana = entry("mini2", "ana", { description: "reviews pull requests" });
    expect(await dir.put(ana)).toEqual({ ok: true, value: undefined });
    expect(await dir.put(entry("linux", "ana"))).toEqual({ ok: true, value: undefined });
    expect(await dir.put(entry("linux", "bob", { runtimes: ["claude", "codex"] }))).toEqual({
      ok: true,
      value: undefined,
    });
    expect((await listed(dir)).entries).toEqual([
      entry("linux", "ana"),
      entry("linux", "bob", { runtimes: ["claude", "codex"] }),
      ana,
    ]);
    const awake = entry("linux", "ana", { state: "warm", lastSeen: "2026-11-25T12:01:00.000Z" });
    await dir.put(awake);
    expect((await listed(dir)).entries[0]).toEqual(awake);
    expect(await dir.remove("linux", "bob")).toEqual({ ok: true, value: undefined });
    expect((await listed(dir)).entries.map((e) => `${e.personality}@${e.host}`)).toEqual([
      "ana@linux",
      "ana@mini2",
    ]);
  });

  test("a second daemon opens the same bucket and sees what the first wrote", async () => {
    const { dir, nc } = await directory();
    await dir.put(entry("mini2", "ana"));
    const again = await Directory.open(nc);
    if (!again.ok) throw new Error(again.error);
    expect((await listed(again.value)).entries).toEqual([entry("mini2", "ana")]);
  });

  test("each entry's time of storing is the server's", async () => {
    const { dir } = await directory();
    const before = Date.now();
    await dir.put(entry("mini2", "ana"));
    const stored = Date.parse((await listed(dir)).storedAt["mini2.ana"] ?? "");
    // One machine: the server's clock is this one's.
    expect(Math.abs(stored - before)).toBeLessThan(2_000);
  });

  test("an entry that is not one, or names another peer than its key, is skipped", async () => {
    const { dir, nc } = await directory();
    await dir.put(entry("mini2", "ana"));
    const kv = await new Kvm(nc).open(DIRECTORY_BUCKET);
    await kv.put("linux.bob", "not json");
    await kv.put("linux.eve", JSON.stringify({ host: "linux", personality: "eve" }));
    await kv.put("linux.mallory", JSON.stringify(entry("mini2", "ana", { state: "forged" })));
    const listing = await listed(dir);
    expect(listing.entries).toEqual([entry("mini2", "ana")]);
    expect(listing.skipped).toEqual(["linux.bob", "linux.eve", "linux.mallory"]);
    expect(Object.keys(listing.storedAt)).toEqual(["mini2.ana"]);
  });

  test("an entry with a bad name is refused and nothing is written", async () => {
    const { dir } = await directory();
    for (const bad of [entry("Mini2", "ana"), entry("mini2", "a.b"), entry("mini2", "*")]) {
      const r = await dir.put(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toStartWith("not a directory entry:");
    }
    expect((await listed(dir)).entries).toEqual([]);
  });
});
