import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { createPeer } from "../../src/registry/create";
import type { Message } from "../../src/transport/messages";
import { runSource } from "../helpers/cli";
import { startDaemon } from "../helpers/daemon";
import { sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

/**
 * Work that waits for a peer goes the moment the peer can take it, not at the next supervise
 * tick: the tick is an hour here, so only the event can deliver in time.
 */

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
const HOUR = { IAPEER_TICK_SECS: "3600", IAPEER_SERVICE_MANAGER: "none" };

const received = (cwd: string): string[] => {
  try {
    return readFileSync(receivedLog(cwd), "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

describe("events, not ticks", () => {
  test("--defer to a stopped peer answers queued at once, and start delivers it", async () => {
    const sb = sandbox(HOUR);
    const host = sb.host();
    const made = createPeer(host, { name: "ana", runtime: "echo" });
    if (!made.ok) throw new Error(made.error);
    const daemon = await startDaemon(sb, HOUR);
    expect(runSource(["stop", "ana"], sb.env).code).toBe(0);
    const started = performance.now();
    const sent = runSource(["send", "ana", "-m", "kept for later", "--defer", "--json"], sb.env);
    expect(JSON.parse(sent.stdout)).toMatchObject({ outcome: "queued" });
    expect(sent.code).toBe(10);
    // Answered without waiting out a send's three-minute ceiling.
    expect(performance.now() - started).toBeLessThan(60_000);
    const id = JSON.parse(sent.stdout).id as string;

    expect(runSource(["start", "ana"], sb.env).code).toBe(0);
    const done = await until(
      async () => {
        const m = (await daemon.api<Message>("GET", `/v1/messages/${id}`)).body;
        return m.state === "delivered" ? m : undefined;
      },
      "the deferred message to be delivered after start",
      30_000,
    );
    expect(done.state).toBe("delivered");
    expect(received(made.value.cwd)).toHaveLength(1);
  });

  test("a message for an always-on peer goes as soon as its service brings it up", async () => {
    const sb = sandbox(HOUR);
    const host = sb.host();
    const made = createPeer(host, { name: "bot", runtime: "echo", alwaysOn: true });
    if (!made.ok) throw new Error(made.error);
    const daemon = await startDaemon(sb, HOUR);
    const sent = await daemon.api<{ outcome: { id: string; outcome: string } }>(
      "POST",
      "/v1/send",
      { to: "bot", body: "for when you are up", wait: false },
    );
    expect(sent.body.outcome.outcome).toBe("queued");
    // The service manager starts it.
    const service = Bun.spawn([process.execPath, MAIN, "run-always-on", "echo-bot"], {
      env: { ...process.env, ...sb.env },
      stdout: "ignore",
      stderr: "ignore",
    });
    try {
      const done = await until(
        async () => {
          const m = (await daemon.api<Message>("GET", `/v1/messages/${sent.body.outcome.id}`)).body;
          return m.state === "delivered" ? m : undefined;
        },
        "the message to be delivered once the service is up",
        30_000,
      );
      expect(done.state).toBe("delivered");
      expect(received(made.value.cwd)).toHaveLength(1);
    } finally {
      service.kill("SIGTERM");
      await service.exited;
    }
  });
});
