import { expect, test } from "bun:test";
import { jetstreamManager, StorageType } from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import { loadMeshConfig } from "../../src/core/mesh-config";
import { connectMesh } from "../../src/mesh/connect";
import { Directory } from "../../src/mesh/directory";
import { type InboundMessage, openInbox } from "../../src/mesh/inbox";
import { publishMessage } from "../../src/mesh/publish";
import { DEFAULT_DUPLICATE_WINDOW_MS, ensureStream } from "../../src/mesh/stream";
import {
  DIRECTORY_BUCKET,
  MESSAGE_SUBJECTS,
  RECEIPT_SUBJECTS,
  STREAM,
} from "../../src/mesh/subjects";
import { type NatsServer, startNats, startNatsCluster } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";
import { until } from "../helpers/until";

const open: NatsConnection[] = [];

async function connectTo(url: string, host = "mini2"): Promise<NatsConnection> {
  const mesh = loadMeshConfig({ IAPEER_NATS_URL: url });
  if (!mesh.ok || !mesh.value) throw new Error(mesh.ok ? "no mesh" : mesh.error);
  const nc = await connectMesh(mesh.value, host);
  if (!nc.ok) throw new Error(nc.error);
  open.push(nc.value);
  return nc.value;
}

async function closeAll(): Promise<void> {
  for (const nc of open.splice(0)) if (!nc.isClosed()) await nc.close();
}

async function meshOn(server: NatsServer): Promise<NatsConnection> {
  const nc = await connectTo(server.url);
  const stream = await ensureStream(nc);
  if (!stream.ok) throw new Error(stream.error);
  return nc;
}

async function publish(nc: NatsConnection, host: string, personality: string, id: string) {
  const ack = await publishMessage(nc, "mini2", { host, personality }, id, `body of ${id}`);
  if (!ack.ok) throw new Error(ack.error);
  return ack.value;
}

/** An inbox that records what it was handed; `fail` decides per message whether to throw. */
async function recordingInbox(
  nc: NatsConnection,
  host: string,
  opts: { fail?: (m: InboundMessage) => boolean; ackWaitMs?: number; hang?: boolean } = {},
) {
  const seen: InboundMessage[] = [];
  const inbox = await openInbox(
    nc,
    host,
    async (m) => {
      seen.push(m);
      if (opts.hang) await new Promise(() => {});
      if (opts.fail?.(m)) throw new Error("the local queue is busy");
    },
    { retryDelayMs: 100, ...(opts.ackWaitMs && { ackWaitMs: opts.ackWaitMs }) },
  );
  if (!inbox.ok) throw new Error(inbox.error);
  return { seen, inbox: inbox.value };
}

natsDescribe("the mesh's stream", () => {
  test("file storage, message and receipt subjects, a duplicate window; ensuring it twice is a no-op", async () => {
    try {
      const server = await startNats();
      const nc = await connectTo(server.url);
      expect(await ensureStream(nc)).toEqual({ ok: true, value: { replicas: 1 } });
      expect(await ensureStream(nc)).toEqual({ ok: true, value: { replicas: 1 } });
      const info = await (await jetstreamManager(nc)).streams.info(STREAM);
      expect(info.config.storage).toBe(StorageType.File);
      expect(info.config.subjects.sort()).toEqual([MESSAGE_SUBJECTS, RECEIPT_SUBJECTS].sort());
      expect(info.config.duplicate_window).toBe(nanos(DEFAULT_DUPLICATE_WINDOW_MS));
    } finally {
      await closeAll();
    }
  });

  test("a stream set up with other settings is brought to these", async () => {
    try {
      const server = await startNats();
      const nc = await connectTo(server.url);
      expect((await ensureStream(nc, { duplicateWindowMs: 60_000 })).ok).toBe(true);
      expect((await ensureStream(nc)).ok).toBe(true);
      const info = await (await jetstreamManager(nc)).streams.info(STREAM);
      expect(info.config.duplicate_window).toBe(nanos(DEFAULT_DUPLICATE_WINDOW_MS));
    } finally {
      await closeAll();
    }
  });

  test("another stream on the same subjects is a clear error", async () => {
    try {
      const server = await startNats();
      const nc = await connectTo(server.url);
      await (await jetstreamManager(nc)).streams.add({ name: "OTHER", subjects: ["iapeer.>"] });
      const r = await ensureStream(nc);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toStartWith(`cannot set up the JetStream stream ${STREAM}:`);
    } finally {
      await closeAll();
    }
  });

  test("in a 3-node cluster it keeps 3 copies, and so does the directory", async () => {
    try {
      const nodes = await startNatsCluster(3);
      const first = nodes[0];
      if (!first) throw new Error("no node");
      const nc = await connectTo(first.url);
      await until(() => (nc.info?.connect_urls?.length ?? 0) >= 3, "the cluster's URLs");
      expect(await ensureStream(nc)).toEqual({ ok: true, value: { replicas: 3 } });
      const info = await (await jetstreamManager(nc)).streams.info(STREAM);
      expect(info.config.num_replicas).toBe(3);
      // The leader and two followers.
      expect(info.cluster?.replicas?.length).toBe(2);
      const ack = await publish(nc, "linux", "ana", "m-cluster");
      expect(ack.duplicate).toBe(false);
      expect((await Directory.open(nc)).ok).toBe(true);
      const bucket = await (await jetstreamManager(nc)).streams.info(`KV_${DIRECTORY_BUCKET}`);
      expect(bucket.config.num_replicas).toBe(3);
    } finally {
      await closeAll();
    }
  });
});

natsDescribe("publishing", () => {
  test("the same message id published twice is stored once", async () => {
    try {
      const nc = await meshOn(await startNats());
      const first = await publish(nc, "linux", "ana", "m-1");
      const again = await publish(nc, "linux", "ana", "m-1");
      expect(first.duplicate).toBe(false);
      expect(again).toEqual({ seq: first.seq, duplicate: true });
      await publish(nc, "linux", "ana", "m-2");
      const info = await (await jetstreamManager(nc)).streams.info(STREAM);
      expect(info.state.messages).toBe(2);
    } finally {
      await closeAll();
    }
  });

  test("with no stream the publish is an error, not an ack", async () => {
    try {
      const nc = await connectTo((await startNats()).url);
      const r = await publishMessage(
        nc,
        "mini2",
        { host: "linux", personality: "ana" },
        "m-1",
        "x",
        2_000,
      );
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toStartWith("cannot publish message m-1 to ana@linux:");
    } finally {
      await closeAll();
    }
  });
});

natsDescribe("a host's inbox", () => {
  test("takes its own host's messages, with id and personality, and no other host's", async () => {
    try {
      const nc = await meshOn(await startNats());
      await publish(nc, "linux", "ana", "m-1");
      await publish(nc, "studio", "ana", "m-other-host");
      await publish(nc, "linux", "bob", "m-2");
      const { seen, inbox } = await recordingInbox(nc, "linux");
      await until(() => seen.length >= 2, "two messages");
      await Bun.sleep(200);
      await inbox.stop();
      expect(seen.map((m) => [m.id, m.personality, new TextDecoder().decode(m.data)])).toEqual([
        ["m-1", "ana", "body of m-1"],
        ["m-2", "bob", "body of m-2"],
      ]);
      expect(seen.every((m) => m.deliveries === 1)).toBe(true);
    } finally {
      await closeAll();
    }
  });

  test("a message whose handler threw is handed over again, and then acknowledged", async () => {
    try {
      const nc = await meshOn(await startNats());
      await publish(nc, "linux", "ana", "m-1");
      const { seen, inbox } = await recordingInbox(nc, "linux", {
        fail: (m) => m.deliveries === 1,
      });
      await until(() => seen.length >= 2, "the message again");
      expect(seen.map((m) => [m.id, m.deliveries])).toEqual([
        ["m-1", 1],
        ["m-1", 2],
      ]);
      await inbox.stop();
      const consumer = await (await jetstreamManager(nc)).consumers.info(STREAM, "inbox-linux");
      expect(consumer.num_ack_pending).toBe(0);
      expect(consumer.num_pending).toBe(0);
    } finally {
      await closeAll();
    }
  });

  test("a daemon that dies before the ack gets the message again after the ack wait", async () => {
    try {
      const server = await startNats();
      const nc = await meshOn(server);
      await publish(nc, "linux", "ana", "m-1");
      // The first daemon takes it and never finishes; its connection goes, as in a crash.
      const crashed = await connectTo(server.url);
      const first = await recordingInbox(crashed, "linux", { hang: true, ackWaitMs: 1_000 });
      await until(() => first.seen.length >= 1, "the first hand-over");
      await crashed.close();
      const next = await recordingInbox(await connectTo(server.url), "linux", { ackWaitMs: 1_000 });
      const again = await until(() => next.seen[0], "the message again");
      expect([again.id, again.deliveries]).toEqual(["m-1", 2]);
      await next.inbox.stop();
    } finally {
      await closeAll();
    }
  });

  test("an inbox opened again starts after what it acknowledged", async () => {
    try {
      const server = await startNats();
      const nc = await meshOn(server);
      for (const id of ["m-1", "m-2", "m-3"]) await publish(nc, "linux", "ana", id);
      const before = await recordingInbox(nc, "linux");
      await until(() => before.seen.length >= 3, "three messages");
      await before.inbox.stop();
      await publish(nc, "linux", "ana", "m-4");
      // A restart of the server too: the position is in its store, not in memory.
      await closeAll();
      await server.stop();
      await server.start();
      const after = await recordingInbox(await connectTo(server.url), "linux");
      await until(() => after.seen.length >= 1, "the new message");
      await Bun.sleep(300);
      await after.inbox.stop();
      expect(after.seen.map((m) => m.id)).toEqual(["m-4"]);
    } finally {
      await closeAll();
    }
  });
});
