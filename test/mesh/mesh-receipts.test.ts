import { afterEach, expect, test } from "bun:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { openInbox } from "../../src/mesh/inbox";
import { openReceipts, publishReceipt, type Receipt } from "../../src/mesh/receipts";
import { ensureStream } from "../../src/mesh/stream";
import { STREAM } from "../../src/mesh/subjects";
import { startNats } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";
import { until } from "../helpers/until";

const open: NatsConnection[] = [];
afterEach(async () => {
  for (const nc of open.splice(0)) await nc.close();
});

async function mesh(): Promise<NatsConnection> {
  const nc = await connect({ servers: (await startNats()).url });
  open.push(nc);
  const stream = await ensureStream(nc);
  if (!stream.ok) throw new Error(stream.error);
  return nc;
}

const receipt = (id: string, more: Partial<Receipt> = {}): Receipt => ({
  id,
  outcome: "delivered",
  host: "linux",
  at: "2026-11-25T12:00:00.000Z",
  ...more,
});

async function pendingOf(nc: NatsConnection, consumer: string) {
  const info = await (await jetstreamManager(nc)).consumers.info(STREAM, consumer);
  return { unacked: info.num_ack_pending, waiting: info.num_pending };
}

natsDescribe("receipts", () => {
  test("go back to the origin host, once per message and outcome", async () => {
    const nc = await mesh();
    const first = await publishReceipt(nc, "mini2", receipt("m-1"));
    const again = await publishReceipt(nc, "mini2", receipt("m-1"));
    expect(first.ok && first.value.duplicate).toBe(false);
    expect(again.ok && again.value.duplicate).toBe(true);
    const failed = receipt("m-2", { outcome: "failed", error: "no peer named ana" });
    expect((await publishReceipt(nc, "mini2", failed)).ok).toBe(true);
    expect((await publishReceipt(nc, "studio", receipt("m-3"))).ok).toBe(true);

    const seen: Receipt[] = [];
    const running = await openReceipts(nc, "mini2", async (r) => {
      seen.push(r);
    });
    if (!running.ok) throw new Error(running.error);
    await until(() => seen.length >= 2, "two receipts");
    await Bun.sleep(200);
    await running.value.stop();
    expect(seen).toEqual([receipt("m-1"), failed]);
  });

  test("a receipt that is not one is refused before it is sent", async () => {
    const nc = await mesh();
    const r = await publishReceipt(nc, "mini2", receipt("m-1", { outcome: "lost" as "failed" }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toStartWith("not a receipt:");
  });

  test("a forged or garbled receipt is dropped for good, never handed over", async () => {
    const nc = await mesh();
    const js = jetstream(nc);
    // Sent on linux's subject, claiming studio reported it.
    const forged = JSON.stringify(receipt("m-1", { host: "studio" }));
    await js.publish("iapeer.receipt.mini2.linux", forged, { msgID: "r-1" });
    await js.publish("iapeer.receipt.mini2.linux", "not json", { msgID: "r-2" });
    await js.publish("iapeer.receipt.mini2.linux", JSON.stringify(receipt("m-3")), {
      msgID: "r-3",
    });
    const seen: string[] = [];
    const errors: string[] = [];
    const running = await openReceipts(
      nc,
      "mini2",
      async (r) => {
        seen.push(r.id);
      },
      { onError: (e) => errors.push(e) },
    );
    if (!running.ok) throw new Error(running.error);
    await until(() => seen.length >= 1, "the genuine receipt");
    await until(async () => (await pendingOf(nc, "receipts-mini2")).unacked === 0, "all settled");
    await running.value.stop();
    expect(seen).toEqual(["m-3"]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain("dropped");
  });
});

natsDescribe("the inbox and a stored message without an id", () => {
  test("is dropped for good instead of coming back forever", async () => {
    const nc = await mesh();
    await jetstream(nc).publish("iapeer.msg.linux.ana.mini2", "no id");
    const seen: string[] = [];
    const inbox = await openInbox(nc, "linux", async (m) => {
      seen.push(m.id);
    });
    if (!inbox.ok) throw new Error(inbox.error);
    await until(
      async () => (await pendingOf(nc, "inbox-linux")).waiting === 0,
      "the stream item taken",
    );
    await until(async () => (await pendingOf(nc, "inbox-linux")).unacked === 0, "it settled");
    await inbox.value.stop();
    expect(seen).toEqual([]);
  });
});
