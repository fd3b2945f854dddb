import { afterEach, expect, test } from "bun:test";
import { loadMeshConfig, type MeshConfig } from "../../src/core/mesh-config";
import { removePeer } from "../../src/lifecycle/control";
import { wakeOrSpawn } from "../../src/lifecycle/wake";
import type { DirectoryEntry } from "../../src/mesh/directory";
import { type DirectorySync, startDirectorySync } from "../../src/mesh/directory-sync";
import { meshFleet } from "../../src/mesh/every-host";
import { MeshLink } from "../../src/mesh/link";
import { createPeer } from "../../src/registry/create";
import { runSource } from "../helpers/cli";
import { startNats } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";
import { sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

const running: (MeshLink | DirectorySync)[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});

function meshAt(url: string): MeshConfig {
  const r = loadMeshConfig({ IAPEER_NATS_URL: url });
  if (!r.ok || !r.value) throw new Error(r.ok ? "no mesh" : r.error);
  return r.value;
}

/** A home named `name` in the mesh at `url`, with a link and its directory sync running. */
async function hostIn(url: string, name: string, peers: { name: string; description?: string }[]) {
  const sb = sandbox({ IAPEER_NATS_URL: url, IAPEER_HOST: name });
  const host = sb.host();
  for (const p of peers) {
    const made = createPeer(host, { runtime: "echo", ...p });
    if (!made.ok) throw new Error(made.error);
  }
  const link = MeshLink.start(
    meshAt(url),
    name,
    { onMessage: async () => {}, onReceipt: async () => {} },
    { retryMs: 200 },
  );
  running.push(link);
  await until(() => link.state() === "up", "the link up");
  const sync = startDirectorySync(host, link, name, { heartbeatMs: 600, lookMs: 100 });
  running.push(sync);
  return { sb, host, link };
}

const entries = async (link: MeshLink): Promise<DirectoryEntry[]> => {
  const listed = await link.directory()?.list();
  return listed?.ok ? listed.value.entries : [];
};

natsDescribe("the directory of every host's peers", () => {
  test("each host says what its peers are, keeps it current, and drops a removed one", async () => {
    const nats = await startNats();
    const alpha = await hostIn(nats.url, "alpha", [
      { name: "ana", description: "reviews pull requests" },
      { name: "bob" },
    ]);
    await hostIn(nats.url, "beta", [{ name: "cy" }]);
    await until(async () => (await entries(alpha.link)).length === 3, "three entries");
    expect((await entries(alpha.link)).map((e) => [e.host, e.personality, e.state])).toEqual([
      ["alpha", "ana", "asleep"],
      ["alpha", "bob", "asleep"],
      ["beta", "cy", "asleep"],
    ]);
    expect((await entries(alpha.link))[0]?.description).toBe("reviews pull requests");

    expect((await wakeOrSpawn(alpha.host, "ana")).ok).toBe(true);
    await until(
      async () =>
        (await entries(alpha.link)).find((e) => e.personality === "ana")?.state === "live",
      "ana's entry to say live",
    );
    expect((await removePeer(alpha.host, "bob")).ok).toBe(true);
    await until(
      async () => !(await entries(alpha.link)).some((e) => e.personality === "bob"),
      "bob's entry to go",
    );

    // The whole fleet, as `list --all` shows it: this host's rows as `list` has them, then the others.
    const fleet = await meshFleet(alpha.host, alpha.link.directory());
    expect(fleet.mesh).toBe("up");
    expect(fleet.rows.map((r) => [r.host, r.personality, r.state])).toEqual([
      ["alpha", "ana", "live"],
      ["beta", "cy", "asleep"],
    ]);
  });

  test("a host that stopped renewing its entries shows as unreachable", async () => {
    const nats = await startNats();
    const alpha = await hostIn(nats.url, "alpha", [{ name: "ana" }]);
    const dir = alpha.link.directory();
    if (!dir) throw new Error("no directory");
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    await dir.put({
      host: "gone",
      personality: "zed",
      runtimes: ["claude"],
      state: "live",
      lastSeen: old,
    });
    const fleet = await meshFleet(alpha.host, dir);
    expect(fleet.rows.find((r) => r.host === "gone")).toMatchObject({
      personality: "zed",
      state: "unreachable",
      last_seen: old,
    });
  });

  test("list --all without a mesh shows this host's peers with its name; a client with a mesh the daemon lacks says so", () => {
    const sb = sandbox({ IAPEER_HOST: "solo" });
    expect(runSource(["create", "ana", "--runtime", "echo"], sb.env).code).toBe(0);
    const r = runSource(["list", "--all", "--json"], sb.env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      expect.objectContaining({ host: "solo", personality: "ana", state: "asleep" }),
    ]);
    const meshed = runSource(["list", "--all"], {
      ...sb.env,
      IAPEER_NATS_URL: "nats://127.0.0.1:1",
    });
    expect(meshed.code).toBe(0);
    expect(meshed.stdout).toMatch(/^HOST\s+PEER/);
    expect(meshed.stdout).toContain("solo");
    // The daemon started by the first list has no mesh: the client names the difference.
    expect(meshed.stderr).toContain("IAPEER_NATS_URL is unset there, nats://127.0.0.1:1 here");
  });
});
