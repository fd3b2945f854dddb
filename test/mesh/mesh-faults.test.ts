import { expect, test } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { loadMeshConfig } from "../../src/core/mesh-config";
import { connectMesh } from "../../src/mesh/connect";
import { openInbox } from "../../src/mesh/inbox";
import { publishMessage } from "../../src/mesh/publish";
import { ensureStream } from "../../src/mesh/stream";
import { STREAM } from "../../src/mesh/subjects";
import { type NatsServer, startNatsCluster } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";
import { until } from "../helpers/until";

const open: NatsConnection[] = [];

async function connectAll(nodes: NatsServer[], host: string): Promise<NatsConnection> {
  const mesh = loadMeshConfig({ IAPEER_NATS_URL: nodes.map((n) => n.url).join(",") });
  if (!mesh.ok || !mesh.value) throw new Error(mesh.ok ? "no mesh" : mesh.error);
  const nc = await connectMesh(mesh.value, host);
  if (!nc.ok) throw new Error(nc.error);
  open.push(nc.value);
  return nc.value;
}

/** What a sending daemon does: publish until the stream acks, the same id every time. */
async function publishUntilAcked(nc: NatsConnection, id: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (let tries = 1; ; tries++) {
    const r = await publishMessage(
      nc,
      "mini2",
      { host: "linux", personality: "ana" },
      id,
      id,
      2_000,
    );
    if (r.ok) return tries;
    if (Date.now() > deadline) throw new Error(r.error);
    await Bun.sleep(100);
  }
}

natsDescribe("the mesh under faults", () => {
  test("the stream's leader killed mid-flood, the sender republishing: every message stored once and handed over", async () => {
    try {
      const nodes = await startNatsCluster(3);
      const sender = await connectAll(nodes, "mini2");
      await until(() => (sender.info?.connect_urls?.length ?? 0) >= 3, "the cluster's URLs");
      const stream = await ensureStream(sender);
      expect(stream.ok && stream.value.replicas).toBe(3);

      const taken = new Map<string, number>();
      const receiver = await connectAll(nodes, "linux");
      const inbox = await openInbox(receiver, "linux", async (m) => {
        taken.set(m.id, (taken.get(m.id) ?? 0) + 1);
      });
      if (!inbox.ok) throw new Error(inbox.error);

      const total = 300;
      let retried = 0;
      let killed: NatsServer | undefined;
      for (let i = 0; i < total; i++) {
        if (i === 100) {
          const info = await (await jetstreamManager(sender)).streams.info(STREAM);
          killed = nodes.find((n) => n.name === info.cluster?.leader);
          await killed?.stop("SIGKILL");
        }
        if (i === 200) await killed?.start();
        retried += (await publishUntilAcked(sender, `m-${i}`)) - 1;
      }
      expect(killed).toBeDefined();
      // A sender that died before it recorded these acks publishes them again when it is back.
      for (let i = 0; i < 50; i++) {
        const again = await publishMessage(
          sender,
          "mini2",
          { host: "linux", personality: "ana" },
          `m-${i}`,
          "x",
        );
        expect(again.ok && again.value.duplicate).toBe(true);
      }
      await until(() => taken.size >= total, `all ${total} messages handed over`, 60_000);
      await inbox.value.stop();

      const info = await (await jetstreamManager(sender)).streams.info(STREAM);
      // Lost: none; doubled in the stream: none, however often a publish was retried.
      expect(info.state.messages).toBe(total);
      expect([...taken.keys()].sort()).toEqual(
        Array.from({ length: total }, (_, i) => `m-${i}`).sort(),
      );
      // The kill really cost acks: the sender had to publish again.
      expect(retried).toBeGreaterThan(0);
    } finally {
      for (const nc of open.splice(0)) if (!nc.isClosed()) await nc.close();
    }
  }, 120_000);
});
