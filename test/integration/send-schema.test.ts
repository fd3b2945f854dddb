import { describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { decodeWire } from "../../src/mesh/wire";
import { createPeer } from "../../src/registry/create";
import { issueToken } from "../../src/registry/tokens";
import { newMessageId } from "../../src/transport/messages";
import { runSource } from "../helpers/cli";
import { startDaemon } from "../helpers/daemon";
import { freePort } from "../helpers/port";
import { sandbox } from "../helpers/sandbox";

/**
 * One schema checks a send wherever it enters (codec/send-input.ts): the same hostile input is
 * refused with the same one line by the CLI, `POST /v1/send`, the MCP tool and the mesh's wire,
 * and nothing is stored.
 */

interface Hostile {
  what: string;
  body: string;
  topic?: string;
  runtime?: string;
  /** The CLI has no flag for attachments: those are checked at the other doors. */
  attachments?: string[];
  said: string;
}

const HOSTILE: Hostile[] = [
  {
    what: "a body over the limit",
    body: "x".repeat(16_001),
    said: "message body is 16001 characters, the limit is 16000; put the long content in a file and send its path",
  },
  { what: "a blank body", body: "  \n ", said: "message body is empty" },
  {
    what: "a topic over the limit",
    body: "hi",
    topic: "t".repeat(201),
    said: "topic is 201 characters, the limit is 200",
  },
  {
    what: "a runtime that is no name",
    body: "hi",
    runtime: "Echo;rm",
    said: 'invalid runtime "Echo;rm": use 1-32 characters a-z and 0-9 (no "-"), starting with a letter',
  },
  {
    what: "a relative attachment",
    body: "hi",
    attachments: ["notes.txt"],
    said: 'attachment 1 must be an absolute path (got "notes.txt")',
  },
];

describe("one schema for a send at every door", () => {
  test("the CLI, /v1/send, send_to_peer and the wire refuse hostile input with the same line", async () => {
    const sb = sandbox();
    const host = sb.host();
    for (const name of ["ana", "bob"]) {
      const made = createPeer(host, { name, runtime: "echo" });
      if (!made.ok) throw new Error(made.error);
    }
    const token = issueToken(host.store, "bob");
    const port = await freePort();
    const daemon = await startDaemon(sb, { IAPEER_PORT: String(port) });
    const client = new Client({ name: "test", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    try {
      for (const h of HOSTILE) {
        const fields = {
          ...(h.topic !== undefined && { topic: h.topic }),
          ...(h.runtime !== undefined && { runtime: h.runtime }),
          ...(h.attachments !== undefined && { attachments: h.attachments }),
        };
        const api = await daemon.api<{ outcome: { error: string }; badInput: boolean }>(
          "POST",
          "/v1/send",
          { to: "ana", body: h.body, ...fields },
        );
        expect([h.what, api.status, api.body.outcome.error]).toEqual([h.what, 400, h.said]);

        const mcp = await client.callTool({
          name: "send_to_peer",
          arguments: { personality: "ana", message: h.body, ...fields },
        });
        expect(mcp.isError).toBe(true);
        const outcome = JSON.parse((mcp.content as { text: string }[])[0]?.text ?? "{}");
        expect([h.what, outcome.error]).toEqual([h.what, h.said]);

        const wire = decodeWire(
          new TextEncoder().encode(
            JSON.stringify({
              v: 1,
              id: newMessageId(Date.now()),
              from: { personality: "ana", host: "other", runtime: "cli", intelligence: "natural" },
              to: { personality: "bob", host: "here" },
              body: h.body,
              attachments: h.attachments ?? [],
              createdAt: new Date().toISOString(),
              ...(h.topic !== undefined && { topic: h.topic }),
              ...(h.runtime !== undefined && { runtime: h.runtime }),
            }),
          ),
        );
        expect(wire.ok).toBe(false);
        if (!wire.ok) expect(wire.error).toEndWith(`: ${h.said}`);

        if (h.attachments) continue;
        const argv = ["send", "ana", "-m", h.body];
        if (h.topic !== undefined) argv.push("--topic", h.topic);
        if (h.runtime !== undefined) argv.push("--runtime", h.runtime);
        const cli = runSource([...argv, "--json"], sb.env);
        expect([h.what, cli.code, JSON.parse(cli.stdout).error]).toEqual([h.what, 2, h.said]);
        // Without --json: the refusal is the last line (a "sending" line may come before it).
        const plain = runSource(argv, sb.env);
        const last = plain.stderr.trim().split("\n").at(-1);
        expect([h.what, plain.code, last]).toEqual([h.what, 2, `iapeer: ${h.said}`]);
      }
      // Type errors, which only the JSON doors can make, are one line too.
      const typed = await daemon.api<{ outcome: { error: string } }>("POST", "/v1/send", {
        to: "ana",
        body: "hi",
        topic: 7,
      });
      expect([typed.status, typed.body.outcome.error]).toEqual([400, '"topic" must be a string']);
      // Nothing of it was stored.
      const stored = host.store.db.query("SELECT COUNT(*) AS n FROM messages").get() as {
        n: number;
      };
      expect(stored.n).toBe(0);
    } finally {
      await client.close();
    }
  }, 60_000);
});
