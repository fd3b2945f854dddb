import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { createPeer } from "../../src/registry/create";
import { issueToken } from "../../src/registry/tokens";
import { runSource } from "../helpers/cli";
import { startDaemon } from "../helpers/daemon";
import { freePort } from "../helpers/port";
import { sandbox } from "../helpers/sandbox";

/**
 * Any local user can reach the daemon's loopback TCP port. A flood of unauthenticated
 * connections held open must not take the daemon's file descriptors: the owner's own sends over
 * the unix socket go on, and no peer is taken for dead.
 */

/** Open a connection, send one request, and keep the socket; resolves once answered or closed. */
function holdOpen(port: number, request: string, sockets: Socket[]): Promise<"closed" | "open"> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    sockets.push(socket);
    socket.on("error", () => resolve("closed"));
    socket.on("close", () => resolve("closed"));
    socket.on("data", () => setTimeout(() => resolve(socket.destroyed ? "closed" : "open"), 300));
    socket.on("connect", () => socket.write(request));
  });
}

describe("the daemon under abuse", () => {
  test("unauthenticated TCP connections are answered and closed; the unix socket stays responsive", async () => {
    const port = await freePort();
    const sb = sandbox({ IAPEER_PORT: String(port) });
    const host = sb.host();
    const made = createPeer(host, { name: "ana", runtime: "echo" });
    if (!made.ok) throw new Error(made.error);
    // Few descriptors, as under a service manager's default limit: 400 held connections would
    // take them all.
    await startDaemon(sb, { IAPEER_PORT: String(port) }, { fdLimit: 256 });
    expect(runSource(["wake", "ana"], sb.env).code).toBe(0);

    const sockets: Socket[] = [];
    try {
      const request = "POST /v1/send HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}";
      const results = await Promise.all(
        Array.from({ length: 400 }, () => holdOpen(port, request, sockets)),
      );
      // Each one was answered (401) and cut off, none left holding a descriptor.
      expect(results.filter((r) => r === "open")).toEqual([]);

      const started = performance.now();
      const sent = runSource(["send", "ana", "-m", "still here", "--json"], sb.env);
      expect(JSON.parse(sent.stdout)).toMatchObject({ outcome: "delivered" });
      expect(performance.now() - started).toBeLessThan(20_000);
      // A proven peer still gets in over TCP.
      const token = issueToken(host.store, "ana");
      const ok = await fetch(`http://127.0.0.1:${port}/v1/peers`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(ok.status).toBe(200);
      const lifecycle = readFileSync(sb.layout.lifecycleLog, "utf8");
      expect(lifecycle).not.toContain("server-dead");
      expect(lifecycle).not.toContain("ev=death");
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
});
