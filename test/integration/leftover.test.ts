import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { receivedLog } from "../../src/agent/echo-agent";
import { buildEnvelope } from "../../src/codec/envelope";
import { extractEnvelopes } from "../../src/codec/extract";
import { nowOf } from "../../src/home/host";
import { wakeOrSpawn } from "../../src/lifecycle/wake";
import { createPeer } from "../../src/registry/create";
import { acceptMessage } from "../../src/transport/accept";
import { Dispatcher } from "../../src/transport/dispatcher";
import { finishMessage, getMessage } from "../../src/transport/messages";
import { send } from "../../src/transport/send";
import { readInput } from "../../src/transport/type-in";
import { sandbox } from "../helpers/sandbox";

/** Text left on the input line is told apart by message id: iapeer's own goes at once. */

async function peerWithLeftover(leftoverId?: string) {
  const sb = sandbox();
  const host = sb.host();
  const made = createPeer(host, { name: "ana", runtime: "echo" });
  if (!made.ok) throw new Error(made.error);
  const woke = await wakeOrSpawn(host, "ana");
  if (!woke.ok) throw new Error(woke.error);
  // A message whose landing was never confirmed, its text still on the input line.
  const accepted = acceptMessage(host, { from: "human", to: "ana", body: "left behind" });
  if (!accepted.ok) throw new Error("not accepted");
  const left = accepted.message;
  host.store.write(() => finishMessage(host.store, left.id, "unconfirmed", nowOf(host)));
  const envelope = buildEnvelope({
    id: leftoverId ?? left.id,
    from: "human",
    runtime: "cli",
    intelligence: "natural",
    ts: left.createdAt,
    body: "left behind",
  });
  if (!envelope.ok) throw new Error(envelope.error);
  const tmux = sb.tmux(sb.identity("echo", "ana"));
  await tmux.loadBuffer("leftover", envelope.value);
  await tmux.pasteBuffer("leftover", "echo-ana");
  for (const until = Date.now() + 10_000; ; await Bun.sleep(25)) {
    if ((await readInput(tmux, "echo-ana", "❯"))?.area.includes("left behind")) break;
    if (Date.now() > until) throw new Error("the leftover never showed");
  }
  const submissions = () =>
    readFileSync(receivedLog(made.value.cwd), "utf8")
      .trim()
      .split("\n")
      .map((line) => extractEnvelopes(JSON.parse(line).text).envelopes.map((e) => e.body));
  return { sb, host, left, submissions };
}

describe("leftovers on the input line", () => {
  test("iapeer's own unconfirmed message is submitted at once, on its own, and becomes delivered", async () => {
    const { host, left, submissions } = await peerWithLeftover();
    // A draft wait longer than the test: only telling the leftover apart lets this pass.
    const d = new Dispatcher(host, { draftWaitMs: 120_000, confirmMs: 5000, enterRetries: 2 });
    const next = await send(host, d, { from: "human", to: "ana", body: "the next one" }, true);
    expect(next.outcome.outcome).toBe("delivered");
    expect(submissions()).toEqual([["left behind"], ["the next one"]]);
    expect(getMessage(host.store, left.id)?.state).toBe("delivered");
  });

  test("text with an id iapeer never gave this peer is someone's draft: it holds the message back", async () => {
    const { host, left, submissions } = await peerWithLeftover("m_not_ours_0000");
    const d = new Dispatcher(host, { draftWaitMs: 1500, confirmMs: 5000, enterRetries: 2 });
    const next = await send(host, d, { from: "human", to: "ana", body: "the next one" }, true);
    // After the draft wait it still waits: never typed on top of the draft.
    expect(next.outcome.outcome).toBe("queued");
    expect(next.outcome.reason).toContain("a person's unsent text is on the input line");
    // Nothing was submitted at all: the echo agent has no record yet.
    expect(() => submissions()).toThrow(/ENOENT/);
    expect(getMessage(host.store, left.id)?.state).toBe("unconfirmed");
    await d.stop();
  });
});
