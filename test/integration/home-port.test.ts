import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { rememberPort } from "../../src/core/home-port";
import { createPeer } from "../../src/registry/create";
import { readMcpConfig } from "../../src/registry/mcp-configs";
import { refreshMcp } from "../../src/registry/mcp-connect";
import { getPeer } from "../../src/registry/registry";
import { peerForToken, revokeToken } from "../../src/registry/tokens";
import { runSource } from "../helpers/cli";
import { startDaemon } from "../helpers/daemon";
import { sandbox } from "../helpers/sandbox";

/** With IAPEER_PORT unset, each home finds a port of its own and keeps it. */

const holders: ReturnType<typeof Bun.serve>[] = [];
afterEach(() => {
  for (const h of holders.splice(0)) h.stop(true);
});

/** Someone else holds 127.0.0.1:8765 for the test (maybe already someone else does). */
function holdDefaultPort(): void {
  try {
    holders.push(Bun.serve({ hostname: "127.0.0.1", port: 8765, fetch: () => new Response("") }));
  } catch {
    // Held already: that is the condition the test needs.
  }
}

const unset = { IAPEER_PORT: "" };
const portFile = (home: string) => readFileSync(join(home, "state", "port"), "utf8").trim();

describe("a free port per home", () => {
  test("two homes' daemons start beside a taken 8765, each on its own port, kept across a restart", async () => {
    holdDefaultPort();
    const a = sandbox();
    const b = sandbox();
    const da = await startDaemon(a, unset);
    const db = await startDaemon(b, unset);
    expect(da.info.port).toBeGreaterThan(0);
    expect(db.info.port).toBeGreaterThan(0);
    expect(da.info.port).not.toBe(8765);
    expect(db.info.port).not.toBe(da.info.port);
    expect(portFile(a.env.IAPEER_HOME as string)).toBe(String(da.info.port));
    const health = await fetch(`http://127.0.0.1:${da.info.port}/mcp`, { method: "POST" });
    expect(health.status).toBe(401); // the daemon's own listener: no token, no entry
    await da.stop();
    const again = await startDaemon(a, unset);
    expect(again.info.port).toBe(da.info.port);
  });

  test("IAPEER_PORT set and taken: the daemon refuses, saying why on stderr", async () => {
    const a = sandbox();
    const first = await startDaemon(a, unset);
    const b = sandbox();
    const r = Bun.spawnSync(
      [process.execPath, join(import.meta.dir, "..", "..", "src", "cli", "main.ts"), "daemon"],
      {
        env: { ...process.env, ...b.env, IAPEER_PORT: String(first.info.port) },
        stderr: "pipe",
      },
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr.toString()).toContain(`cannot listen on 127.0.0.1 (${first.info.port}:`);
    expect(r.stderr.toString()).toContain("IAPEER_PORT");
  });

  test("the demo's daemon that cannot start says why on the demo's own stderr", () => {
    const a = sandbox();
    const held = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    holders.push(held);
    const r = runSource(["demo", "--rounds", "1"], { ...a.env, IAPEER_PORT: String(held.port) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `the daemon did not start: cannot listen on 127.0.0.1 (${held.port}:`,
    );
  });
});

describe("a peer's MCP config follows the home's port", () => {
  const codexPeer = () => {
    const sb = sandbox(unset);
    const host = sb.host();
    const made = createPeer(host, { name: "cody", runtime: "codex" });
    if (!made.ok) throw new Error(made.error);
    const folder = made.value.cwd;
    const peer = () => getPeer(host.store, "cody")?.profile ?? made.value.profile;
    return { sb, host, folder, peer };
  };

  test("a moved port is rewritten before the next wake, with the token that still works", () => {
    const { sb, host, folder, peer } = codexPeer();
    const first = readMcpConfig(folder, "codex");
    expect(first?.url).toBe("http://127.0.0.1:8765/mcp");
    rememberPort(sb.layout, 40123);
    refreshMcp(host, folder, peer());
    const moved = readMcpConfig(folder, "codex");
    expect(moved).toEqual({ url: "http://127.0.0.1:40123/mcp", token: first?.token as string });
    expect(peerForToken(host.store, moved?.token as string)).toBe("cody");
  });

  test("a config already right is left alone; a dead token is replaced by a fresh one", () => {
    const { host, folder, peer } = codexPeer();
    const path = join(folder, ".codex", "config.toml");
    const before = statSync(path);
    refreshMcp(host, folder, peer());
    expect(statSync(path).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(path).ino).toBe(before.ino);
    const old = readMcpConfig(folder, "codex")?.token as string;
    revokeToken(host.store, "cody");
    refreshMcp(host, folder, peer());
    const fresh = readMcpConfig(folder, "codex")?.token as string;
    expect(fresh).not.toBe(old);
    expect(peerForToken(host.store, fresh)).toBe("cody");
  });

  test("a wake goes through it: the config names the daemon's port after a wake", async () => {
    holdDefaultPort();
    const sb = sandbox(unset);
    // Made with no daemon, so its config names the default port the daemon cannot take.
    const made = createPeer(sb.host(), { name: "cody", runtime: "codex" });
    if (!made.ok) throw new Error(made.error);
    const folder = join(sb.env.IAPEER_HOME as string, "peers", "cody");
    const daemon = await startDaemon(sb, unset);
    expect(readMcpConfig(folder, "codex")?.url).not.toBe(
      `http://127.0.0.1:${daemon.info.port}/mcp`,
    );
    // codex cannot start here without a provider; the config is put right before it is tried.
    await daemon.api("POST", "/v1/peers/cody/wake", {});
    expect(readMcpConfig(folder, "codex")?.url).toBe(`http://127.0.0.1:${daemon.info.port}/mcp`);
  });

  test("an always-on session's start goes through it too", async () => {
    const sb = sandbox({ ...unset, IAPEER_SERVICE_MANAGER: "none" });
    const host = sb.host();
    const made = createPeer(host, { name: "cody", runtime: "codex", alwaysOn: true });
    if (!made.ok) throw new Error(made.error);
    rememberPort(sb.layout, 40125);
    // codex cannot start here without a provider; the config is put right before it is tried.
    const run = Bun.spawn(
      [
        process.execPath,
        join(import.meta.dir, "..", "..", "src", "cli", "main.ts"),
        "run-always-on",
        "codex-cody",
      ],
      { env: { ...process.env, ...sb.env }, stdout: "ignore", stderr: "ignore" },
    );
    await run.exited;
    expect(readMcpConfig(made.value.cwd, "codex")?.url).toBe("http://127.0.0.1:40125/mcp");
  });
});
