import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { allows, matches, validatePattern } from "../../src/core/peer-pattern";
import { issueToken } from "../../src/registry/tokens";
import type { SendResult } from "../../src/transport/send";
import { runSource } from "../helpers/cli";
import { startDaemon } from "../helpers/daemon";
import { isFinal, meshHost, meshUp } from "../helpers/mesh-hosts";
import { startNats } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";
import { freePort } from "../helpers/port";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { tempDir } from "../helpers/temp";
import { until } from "../helpers/until";

/**
 * `accepts-from` and `may-send-to`: a refused send is a clear error for its sender (the CLI, the
 * API, the MCP tool), an event, and nothing stored; with no lists everything goes as before.
 */

const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

function home(extra: Record<string, string> = {}): {
  sb: Sandbox;
  cli: (args: string[]) => ReturnType<typeof runSource>;
} {
  const sb = sandbox({
    IAPEER_PORT: "0",
    IAPEER_SERVICE_MANAGER: "none",
    IAPEER_HOST: "mini2",
    ...extra,
  });
  return { sb, cli: (args) => runSource(args, sb.env) };
}

const messageCount = (sb: Sandbox): number =>
  (sb.host().store.db.query("SELECT count(*) AS n FROM messages").get() as { n: number }).n;

const refusals = (sb: Sandbox) =>
  sb
    .host()
    .store.db.query("SELECT fields FROM events WHERE ev = 'send-refused' ORDER BY id")
    .all()
    .map((r) => JSON.parse((r as { fields: string }).fields) as Record<string, string>);

describe("patterns", () => {
  test("*, a name, name@host, *@host and human, seen from this host", () => {
    const here = "mini2";
    const ana = { personality: "ana", host: "mini2" };
    const anaThere = { personality: "ana", host: "linux" };
    const person = { personality: "human", host: "mini2" };
    expect(matches("*", anaThere, here)).toBe(true);
    expect(matches("ana", ana, here)).toBe(true);
    expect(matches("ana", anaThere, here)).toBe(false);
    expect(matches("ana@linux", anaThere, here)).toBe(true);
    expect(matches("ana@mini2", ana, here)).toBe(true);
    expect(matches("*@linux", anaThere, here)).toBe(true);
    expect(matches("*@linux", ana, here)).toBe(false);
    expect(matches("human", person, here)).toBe(true);
    expect(matches("human", { personality: "human", host: "linux" }, here)).toBe(false);
    expect(allows(undefined, anaThere, here)).toBe(true);
    expect(allows([], anaThere, here)).toBe(false);
    for (const bad of ["", "a b", "ana@", "@linux", "ANA", "*@*", "ana@Linux"])
      expect(validatePattern(bad).ok).toBe(false);
  });
});

describe("who may talk to whom, on one host", () => {
  test("accepts-from: a sender it does not list is refused (exit 1, an event, nothing stored)", () => {
    const { sb, cli } = home();
    for (const name of ["ana", "bob", "carl"])
      expect(cli(["create", name, "--runtime", "echo"]).code).toBe(0);
    expect(cli(["set", "bob", "accepts-from=ana,human"]).code).toBe(0);
    const refused = cli(["send", "bob", "--from", "carl", "-m", "hi", "--json", "--no-wait"]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      ok: false,
      outcome: "failed",
      error: "peer bob does not accept messages from carl (its accepts-from: ana, human)",
    });
    expect(messageCount(sb)).toBe(0);
    expect(refusals(sb)).toEqual([
      { from: "carl", to: "bob", error: expect.stringContaining("does not accept") },
    ]);
    // Those it lists get through.
    expect(cli(["send", "bob", "--from", "ana", "-m", "hi", "--no-wait"]).code).toBe(10);
    expect(cli(["send", "bob", "-m", "from a person", "--no-wait"]).code).toBe(10);
    expect(messageCount(sb)).toBe(2);
    // Emptied, it takes anyone again.
    expect(cli(["set", "bob", "accepts-from="]).code).toBe(0);
    expect(cli(["send", "bob", "--from", "carl", "-m", "hi", "--no-wait"]).code).toBe(10);
  }, 60_000);

  test("may-send-to: a peer sends only where it may", () => {
    const { sb, cli } = home();
    for (const name of ["ana", "bob", "carl"])
      expect(cli(["create", name, "--runtime", "echo"]).code).toBe(0);
    expect(cli(["set", "ana", "may-send-to=bob,*@linux"]).code).toBe(0);
    const refused = cli(["send", "carl", "--from", "ana", "-m", "hi", "--json", "--no-wait"]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error).toBe(
      "peer ana may not send to carl (its may-send-to: bob, *@linux)",
    );
    expect(messageCount(sb)).toBe(0);
    expect(cli(["send", "bob", "--from", "ana", "-m", "hi", "--no-wait"]).code).toBe(10);
    // The person at the CLI is nobody's may-send-to.
    expect(cli(["send", "carl", "-m", "hi", "--no-wait"]).code).toBe(10);
  }, 60_000);

  test("a bad pattern is exit 2 in set and in a fleet file (with its line); a good list is kept", () => {
    const { sb, cli } = home();
    expect(cli(["create", "bob", "--runtime", "echo"]).code).toBe(0);
    const bad = cli(["set", "bob", "accepts-from=ana,not a name"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('accepts-from: "not a name" is not a pattern');
    const file = join(tempDir(), "iapeer.toml");
    writeFileSync(
      file,
      '[peers.cy]\nruntime = "echo"\naccepts-from = ["ana", "*@linux", "human"]\nmay-send-to = "ana"\n',
    );
    expect(cli(["up", file]).code).toBe(0);
    const profile = JSON.parse(
      readFileSync(join(sb.layout.peersDir, "cy", ".iapeer", "peer.json"), "utf8"),
    );
    expect(profile).toMatchObject({ acceptsFrom: ["ana", "*@linux", "human"], maySendTo: ["ana"] });
    writeFileSync(file, '[peers.cy]\nruntime = "echo"\n\naccepts-from = ["ana", "x@Y"]\n');
    const wrong = cli(["up", file]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("iapeer.toml:4:");
  }, 60_000);

  test("the API and the MCP tool refuse too: a failed outcome, a tool error", async () => {
    const port = await freePort();
    const { sb, cli } = home({ IAPEER_PORT: String(port) });
    for (const name of ["ana", "bob"])
      expect(cli(["create", name, "--runtime", "echo"]).code).toBe(0);
    expect(cli(["set", "bob", "accepts-from=human"]).code).toBe(0);
    const daemon = await startDaemon(sb, { IAPEER_PORT: String(port) });
    const api = await daemon.api<SendResult>("POST", "/v1/send", {
      to: "bob",
      from: "ana",
      body: "hi",
    });
    expect(api.body).toMatchObject({
      badInput: false,
      outcome: {
        ok: false,
        outcome: "failed",
        error: expect.stringContaining("does not accept messages from ana"),
      },
    });
    const client = new Client({ name: "iapeer-test", version: "0.0.0" });
    clients.push(client);
    const token = issueToken(sb.host().store, "ana");
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    const tool = (await client.callTool({
      name: "send_to_peer",
      arguments: { personality: "bob", message: "hi" },
    })) as { isError?: boolean; content: { text: string }[] };
    expect(tool.isError).toBe(true);
    expect(tool.content[0]?.text).toContain("peer bob does not accept messages from ana");
    expect(messageCount(sb)).toBe(0);
    expect(refusals(sb)).toHaveLength(2);
  }, 60_000);

  test("the envelope names the sender's host and kind", async () => {
    const { sb, cli } = home();
    for (const name of ["ana", "bob"])
      expect(cli(["create", name, "--runtime", "echo"]).code).toBe(0);
    expect(cli(["send", "bob", "-m", "from a person"]).code).toBe(0);
    expect(cli(["send", "bob", "--from", "ana", "-m", "from an agent"]).code).toBe(0);
    const lines = readFileSync(
      join(sb.layout.peersDir, "bob", ".iapeer", "echo-received.jsonl"),
      "utf8",
    );
    expect(lines).toContain(
      'from=\\"human\\" runtime=\\"cli\\" intelligence=\\"natural\\" host=\\"mini2\\" kind=\\"person\\"',
    );
    expect(lines).toContain(
      'from=\\"ana\\" runtime=\\"echo\\" intelligence=\\"absent\\" host=\\"mini2\\" kind=\\"agent\\"',
    );
  }, 60_000);
});

natsDescribe("who may talk to whom, across hosts", () => {
  test("a host refuses a message its peer does not accept: the sender gets a failed receipt, no body kept", async () => {
    const nats = await startNats();
    const a = await meshHost(nats.url, "hosta", ["ana", "bob"]);
    const b = await meshHost(nats.url, "hostb", ["zoe"]);
    await Promise.all([meshUp(a), meshUp(b)]);
    expect(runSource(["set", "zoe", "accepts-from=ana@hosta"], b.sb.env).code).toBe(0);
    expect(runSource(["set", "bob", "may-send-to=ana"], a.sb.env).code).toBe(0);

    // Refused at the sender's host by its own list: nothing stored or forwarded.
    const mine = await a.send("zoe@hostb", "x", { from: "bob" });
    expect(mine.outcome).toMatchObject({
      outcome: "failed",
      error: "peer bob may not send to zoe@hostb (its may-send-to: ana)",
    });

    // Refused by the recipient's host: a failed receipt says why.
    const theirs = await a.send("zoe@hostb", "secret", { from: "human", wait: false });
    const id = theirs.outcome.id as string;
    const m = await until(async () => {
      const got = await a.message(id);
      return isFinal(got) && got;
    }, "the refusal's receipt");
    expect(m).toMatchObject({
      state: "failed",
      error: "peer zoe does not accept messages from human@hosta (its accepts-from: ana@hosta)",
    });
    const kept = await b.message(id);
    expect(kept).toMatchObject({ state: "failed", body: "" });
    expect(b.received("zoe")).toEqual([]);
    expect(refusals(b.sb)).toEqual([
      expect.objectContaining({ message_id: id, from: "human@hosta", to: "zoe" }),
    ]);

    // The one it accepts gets through, and the envelope names where it came from.
    const ok = await a.send("zoe@hostb", "welcome", { from: "ana" });
    expect(ok.outcome).toMatchObject({ outcome: "delivered" });
    expect(b.received("zoe")).toEqual([
      expect.objectContaining({ from: "ana@hosta", host: "hosta", kind: "agent", body: "welcome" }),
    ]);
  }, 60_000);
});
