import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPeer } from "../../src/registry/create";
import { getPeer } from "../../src/registry/registry";
import { issueToken } from "../../src/registry/tokens";
import { startDaemon } from "../helpers/daemon";
import { freePort } from "../helpers/port";
import { sandbox } from "../helpers/sandbox";

/**
 * The registry's routes on the daemon (`create`, `init`, `set`, `edit`, `up` are their clients):
 * only the local user may use them, bad JSON is one line and changes nothing, and an up asked
 * for NDJSON tells each peer as it is done.
 */
describe("the daemon's registry routes", () => {
  test("a peer's token may not change the registry; hostile JSON is one line and changes nothing", async () => {
    const sb = sandbox();
    const host = sb.host();
    const made = createPeer(host, { name: "bob", runtime: "echo" });
    if (!made.ok) throw new Error(made.error);
    const token = issueToken(host.store, "bob");
    const port = await freePort();
    const daemon = await startDaemon(sb, { IAPEER_PORT: String(port) });

    for (const path of ["/v1/registry/create", "/v1/registry/set", "/v1/fleet/up"]) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "mallory", runtime: "echo", peer: "bob", assignments: [] }),
      });
      expect([path, res.status]).toEqual([path, 403]);
    }

    const hostile: [string, unknown, string][] = [
      ["/v1/registry/create", "not an object", "the request body must be a JSON object"],
      ["/v1/registry/create", { name: 5, runtime: "echo" }, '"name" must be a string'],
      ["/v1/registry/create", { name: "eve" }, '"runtime" is required'],
      ["/v1/registry/create", { name: "eve", runtime: "nosuch" }, "unknown runtime"],
      ["/v1/registry/init", { dir: "/tmp", runtime: "echo", alwaysOn: "yes" }, "boolean"],
      ["/v1/registry/set", { peer: "bob", assignments: "x=1" }, "list of {key, value}"],
      ["/v1/registry/set", { peer: "bob", assignments: [{ key: "bogus", value: "1" }] }, "bogus"],
      ["/v1/registry/edit", { peer: "bob", text: "{" }, "not valid JSON"],
      ["/v1/fleet/up", { file: "iapeer.toml" }, "an absolute path"],
    ];
    for (const [path, body, said] of hostile) {
      const r = await daemon.api<{ ok: boolean; error: string; badInput?: boolean }>(
        "POST",
        path,
        body,
      );
      expect([path, r.status, r.body.badInput]).toEqual([path, 400, true]);
      expect(r.body.error).toContain(said);
      expect(r.body.error).not.toContain("\n");
    }
    expect(getPeer(host.store, "eve")).toBeUndefined();
    expect(getPeer(host.store, "mallory")).toBeUndefined();
    expect(getPeer(host.store, "bob")?.profile.description).toBe(made.value.profile.description);
    expect(existsSync(join(sb.layout.peersDir, "eve"))).toBe(false);
  });

  test("an up asked for NDJSON tells each peer as it is done, then its answer", async () => {
    const sb = sandbox();
    const daemon = await startDaemon(sb);
    const file = join(sb.config.home, "team.toml");
    writeFileSync(file, '[peers.p1]\nruntime = "echo"\n\n[peers.p2]\nruntime = "echo"\n');
    const res = await fetch("http://localhost/v1/fleet/up", {
      method: "POST",
      unix: daemon.info.socket,
      headers: { "content-type": "application/json", accept: "application/x-ndjson" },
      body: JSON.stringify({ file }),
    });
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.slice(0, -1)).toEqual([
      { report: expect.objectContaining({ ok: true, peer: "p1", action: "created" }) },
      { report: expect.objectContaining({ ok: true, peer: "p2", action: "created" }) },
    ]);
    expect(lines.at(-1)).toMatchObject({
      status: 200,
      answer: { ok: true, file, changed: true, orphans: [] },
    });
  });
});
