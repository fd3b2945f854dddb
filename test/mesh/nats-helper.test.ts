import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { connect } from "@nats-io/transport-node";
import { pidAlive } from "../../src/launch/pid";
import { cleanupNats, startNats, startNatsCluster } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";

interface Jsz {
  meta_cluster?: { cluster_size?: number; leader?: string };
}

natsDescribe("the nats-server test helper", () => {
  test("a server takes clients, keeps its store in its own dir and stops by pid", async () => {
    const server = await startNats();
    const nc = await connect({ servers: server.url });
    expect(nc.info?.jetstream).toBe(true);
    await nc.close();
    expect(existsSync(server.storeDir)).toBe(true);
    const pid = server.pid;
    expect(pidAlive(pid)).toBe(true);
    await server.stop();
    expect(pidAlive(pid)).toBe(false);
  });

  test("the cleanup kills a server a test left running", async () => {
    const server = await startNats();
    const pid = server.pid;
    await cleanupNats();
    expect(pidAlive(pid)).toBe(false);
  });

  test("a 3-node cluster elects a JetStream meta leader; a killed node comes back on its store", async () => {
    const nodes = await startNatsCluster(3);
    const jsz = await nodes[0]?.monitor<Jsz>("jsz");
    expect(jsz?.meta_cluster?.cluster_size).toBe(3);
    expect(jsz?.meta_cluster?.leader).toBeString();
    const third = nodes[2];
    if (!third) throw new Error("no third node");
    await third.stop("SIGKILL");
    await third.start();
    expect(await third.healthy()).toBe(true);
  });
});
