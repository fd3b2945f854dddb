import { expect } from "bun:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { STREAM } from "../../src/mesh/subjects";
import { isFinal, meshHost, meshUp } from "../helpers/mesh-hosts";
import { type NatsServer, startNatsCluster } from "../helpers/nats";
import { natsTest } from "../helpers/needs";
import { until } from "../helpers/until";

/** The node that leads the stream now (the one whose death costs the most). */
async function streamLeader(nodes: NatsServer[]): Promise<NatsServer | undefined> {
  const nc = await connect({ servers: nodes.map((n) => n.url.replace("nats://", "")) });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(STREAM);
    return nodes.find((n) => n.name === info.cluster?.leader);
  } finally {
    await nc.close();
  }
}

natsTest(
  "daemons on a 3-node NATS cluster: its stream's leader killed mid-flood, nothing lost or doubled",
  async () => {
    const nodes = await startNatsCluster(3);
    const urls = nodes.map((n) => n.url).join(",");
    const a = await meshHost(urls, "hosta", []);
    const b = await meshHost(urls, "hostb", ["p0", "p1"]);
    await Promise.all([meshUp(a), meshUp(b)]);
    const ids: string[] = [];
    let killed: NatsServer | undefined;
    for (let n = 0; n < 60; n++) {
      if (n === 20) {
        killed = await streamLeader(nodes);
        await killed?.stop("SIGKILL");
      }
      if (n === 40) await killed?.start();
      const r = await a.send(`p${n % 2}@hostb`, `flood ${n}`, { wait: false });
      ids.push(r.outcome.id as string);
      await Bun.sleep(20);
    }
    expect(killed).toBeDefined();
    const states = await until(
      async () => {
        const ms = await Promise.all(ids.map((id) => a.message(id)));
        return ms.every(isFinal) && ms.map((m) => m.state);
      },
      "60 messages final at hosta",
      150_000,
    );
    expect(states.filter((s) => s !== "delivered")).toEqual([]);
    const got = [...b.received("p0"), ...b.received("p1")].map((e) => e.body);
    expect(got.sort()).toEqual(Array.from({ length: 60 }, (_, n) => `flood ${n}`).sort());
  },
  200_000,
);
