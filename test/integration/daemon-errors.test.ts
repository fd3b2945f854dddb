import { expect, test } from "bun:test";
import { join } from "node:path";
import { callDaemon } from "../../src/daemon/client";
import { failedRequest } from "../../src/daemon/failed-request";
import { tempDir } from "../helpers/temp";

test("a request that throws in the daemon is a JSON 503 the CLI reports in one line", async () => {
  const full = failedRequest(new Error("SQLITE_FULL: database or disk is full"));
  expect(full.status).toBe(503);
  expect(full.headers.get("content-type")).toContain("application/json");
  const body = (await full.json()) as { error: string };
  expect(body.error).toStartWith("the disk is full");
  expect(body.error).toContain("nothing was stored");

  // Served for real: Bun calls it for a handler that throws, and the client turns it into a failure.
  const socket = join(tempDir(), "d.sock");
  const server = Bun.serve({
    unix: socket,
    error: failedRequest,
    fetch() {
      throw new Error("database or disk is full");
    },
  });
  try {
    const r = await callDaemon<{ outcome: unknown }>(
      { pid: process.pid, socket, port: 0, version: "x", startedAt: "" },
      "POST",
      "/v1/send",
      {},
    );
    expect(r).toEqual({ ok: false, error: expect.stringContaining("the disk is full") });
  } finally {
    server.stop(true);
  }
});
