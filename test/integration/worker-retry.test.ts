import { expect, test } from "bun:test";
import { createPeer } from "../../src/registry/create";
import { acceptMessage } from "../../src/transport/accept";
import { Dispatcher } from "../../src/transport/dispatcher";
import { getMessage } from "../../src/transport/messages";
import { sandbox } from "../helpers/sandbox";

test("a worker that fails on a full disk comes back by itself once writes work again", async () => {
  const sb = sandbox();
  const host = sb.host();
  const made = createPeer(host, { name: "ana", runtime: "echo" });
  if (!made.ok) throw new Error(made.error);
  const accepted = acceptMessage(host, { from: "human", to: "ana", body: "after the disk" });
  if (!accepted.ok) throw new Error("not accepted");
  // The disk is full for the next three writes, as SQLite reports it.
  const write = host.store.write.bind(host.store);
  let full = 3;
  host.store.write = <T>(fn: () => T): T => {
    if (full > 0) {
      full--;
      throw new Error("SQLITE_FULL: database or disk is full");
    }
    return write(fn);
  };
  const d = new Dispatcher(host);
  await d.kick("ana");
  expect(full).toBe(2);
  // No tick, no new message, no sender: only the worker's own retry can deliver it.
  for (const until = Date.now() + 20_000; ; await Bun.sleep(50)) {
    if (getMessage(host.store, accepted.message.id)?.state === "delivered") break;
    if (Date.now() > until) throw new Error("the message was never delivered");
  }
  expect(full).toBe(0);
  await d.stop();
});
