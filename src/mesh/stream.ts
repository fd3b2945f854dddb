import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import { fail, ok, type Result } from "../core/result";
import { MESSAGE_SUBJECTS, RECEIPT_SUBJECTS, STREAM } from "./subjects";

export interface StreamSettings {
  /** Copies of every message; default min(3, the cluster's size). */
  replicas?: number;
  /**
   * How long the stream remembers a message id: a republish within it is stored once. Long, so
   * that a sender that crashed between publish and ack and comes back hours later is still
   * absorbed; the receiver's insert by id is the second guard.
   */
  duplicateWindowMs?: number;
  /** How long a message is kept, delivered or not. */
  maxAgeMs?: number;
}

const HOUR_MS = 3_600_000;
export const DEFAULT_DUPLICATE_WINDOW_MS = 24 * HOUR_MS;
const DEFAULT_MAX_AGE_MS = 7 * 24 * HOUR_MS;
const MAX_REPLICAS = 3;

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Servers in the cluster this connection sees: the client URLs the server gossips (itself
 * included), 1 for a server without a cluster.
 */
function clusterSize(nc: NatsConnection): number {
  const info = nc.info;
  if (!info?.cluster) return 1;
  return Math.max(1, info.connect_urls?.length ?? 1);
}

export function defaultReplicas(nc: NatsConnection): number {
  return Math.min(MAX_REPLICAS, clusterSize(nc));
}

export function streamConfig(settings: Required<StreamSettings>): Partial<StreamConfig> & {
  name: string;
} {
  return {
    name: STREAM,
    subjects: [MESSAGE_SUBJECTS, RECEIPT_SUBJECTS],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    num_replicas: settings.replicas,
    duplicate_window: nanos(settings.duplicateWindowMs),
    max_age: nanos(settings.maxAgeMs),
  };
}

async function manager(nc: NatsConnection): Promise<Result<JetStreamManager>> {
  try {
    return ok(await jetstreamManager(nc));
  } catch (e) {
    return fail(`JetStream is not available on the NATS server: ${reason(e)}`);
  }
}

/**
 * Make the mesh's stream exist with these settings: create it, or update one that differs.
 * Replicas only ever go up here: a daemon that saw a smaller cluster must not take copies away.
 * Returns the replicas it has.
 */
export async function ensureStream(
  nc: NatsConnection,
  settings: StreamSettings = {},
): Promise<Result<{ replicas: number }>> {
  const jsm = await manager(nc);
  if (!jsm.ok) return jsm;
  const want = streamConfig({
    replicas: settings.replicas ?? defaultReplicas(nc),
    duplicateWindowMs: settings.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS,
    maxAgeMs: settings.maxAgeMs ?? DEFAULT_MAX_AGE_MS,
  });
  try {
    let have: StreamConfig;
    try {
      have = (await jsm.value.streams.info(STREAM)).config;
    } catch (e) {
      if (!(e instanceof JetStreamApiError) || e.code !== JetStreamApiCodes.StreamNotFound) throw e;
      const made = await jsm.value.streams.add(want);
      return ok({ replicas: made.config.num_replicas });
    }
    // A stream that republishes hands every message to whoever listens there: refused loudly,
    // never used (the server lets no update take a republish away).
    if (have.republish)
      return fail(
        `the JetStream stream ${STREAM} republishes ${have.republish.src ?? ">"} to ${have.republish.dest}: someone changed it; delete the stream (nats stream rm ${STREAM}) and let the daemons make it again`,
      );
    const replicas = Math.max(have.num_replicas, want.num_replicas ?? 1);
    const differs =
      replicas !== have.num_replicas ||
      have.duplicate_window !== want.duplicate_window ||
      have.max_age !== want.max_age ||
      [...have.subjects].sort().join() !== [...(want.subjects ?? [])].sort().join();
    if (!differs) return ok({ replicas });
    const { name: _, ...update } = want;
    const updated = await jsm.value.streams.update(STREAM, { ...update, num_replicas: replicas });
    return ok({ replicas: updated.config.num_replicas });
  } catch (e) {
    return fail(`cannot set up the JetStream stream ${STREAM}: ${reason(e)}`);
  }
}
