import { jetstreamManager, type StreamInfo } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Config } from "../core/config";
import type { MeshConfig } from "../core/mesh-config";
import { connectMesh } from "../mesh/connect";
import { Directory } from "../mesh/directory";
import { defaultReplicas } from "../mesh/stream";
import { inboxPrefix, STREAM } from "../mesh/subjects";
import { bad, type Check, ok, warn } from "./checks";
import { isolationCheck } from "./mesh-isolation";

/** More than this between this host's clock and the server's is worth fixing. */
const SKEW_WARN_MS = 5_000;
const CONNECT_TIMEOUT_MS = 3_000;

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The mesh's checks: the connection, JetStream, the stream and the clock. Read only: the doctor
 * makes nothing (the daemon makes the stream). One `mesh` line when there is no mesh.
 */
export async function meshChecks(config: Config): Promise<Check[]> {
  const mesh = config.mesh;
  if (!mesh) return [ok("mesh", "this host only (IAPEER_NATS_URL is unset)")];
  const host = config.host ?? "";
  const nc = await connectMesh(mesh, host, { timeoutMs: CONNECT_TIMEOUT_MS });
  if (!nc.ok) return [bad("nats", nc.error, natsFix(mesh))];
  try {
    return [natsCheck(nc.value, host), ...(await jetStreamChecks(nc.value, host))];
  } finally {
    await nc.value.close().catch(() => {});
  }
}

function natsFix(mesh: MeshConfig): string {
  const local = mesh.urls.every((u) => /\/\/(127\.|localhost|\[::1\])/.test(u));
  return local
    ? "start it: nats-server -js (Debian: apt-get install nats-server)"
    : "check IAPEER_NATS_URL, the credentials and that the servers are up";
}

function natsCheck(nc: NatsConnection, host: string): Check {
  const info = nc.info;
  const cluster = info?.cluster ? `, cluster ${info.cluster}` : "";
  return ok(
    "nats",
    `connected to ${nc.getServer()} (nats-server ${info?.version ?? "?"}${cluster}) as host ${host}`,
  );
}

async function jetStreamChecks(nc: NatsConnection, host: string): Promise<Check[]> {
  let info: StreamInfo | undefined;
  try {
    const jsm = await jetstreamManager(nc);
    info = await jsm.streams.info(STREAM).catch(() => undefined);
  } catch (e) {
    // A server configured from an older README lets a host listen on _INBOX.>, not its own prefix.
    const inbox = inboxPrefix(host);
    const fix = reason(e).includes(`Subscription to "${inbox}.`)
      ? `let this host's NATS user subscribe to ${inbox}.> (the configuration in README, Several hosts)`
      : "run nats-server with -js";
    return [bad("jetstream", `JetStream is not available: ${reason(e)}`, fix)];
  }
  const checks = [ok("jetstream", "JetStream is enabled")];
  if (!info) {
    // Nothing for the user to do: the first daemon to join the mesh makes it.
    checks.push(
      ok(
        "stream",
        `the stream ${STREAM} is not made yet: the daemon makes it when it joins the mesh`,
      ),
    );
  } else {
    const want = defaultReplicas(nc);
    const have = info.config.num_replicas;
    const detail = `${STREAM}: ${info.state.messages} messages, ${have} replica${have === 1 ? "" : "s"}`;
    checks.push(
      have < want
        ? warn("stream", `${detail}, fewer than the cluster allows (${want})`, "restart the daemon")
        : ok("stream", detail),
    );
  }
  checks.push(await clockCheck(nc, host));
  checks.push(await isolationCheck(nc, host));
  return checks;
}

/**
 * This host's clock against the server's: by the time the server stored this host's directory
 * entries against the `lastSeen` the daemon wrote into them. Without an entry it is not measured.
 */
async function clockCheck(nc: NatsConnection, host: string): Promise<Check> {
  const notYet = "not measured yet: this host has no directory entry (the daemon writes them)";
  const dir = await Directory.existing(nc);
  if (!dir.ok) return ok("clock", notYet);
  const listing = await dir.value.list();
  if (!listing.ok)
    return warn("clock", `not measured: ${listing.error}`, "run iapeer doctor again");
  const skews = listing.value.entries
    .filter((e) => e.host === host)
    .map((e) => {
      const stored = listing.value.storedAt[`${e.host}.${e.personality}`] ?? "";
      return Date.parse(e.lastSeen) - Date.parse(stored);
    })
    .filter(Number.isFinite);
  if (skews.length === 0) {
    return ok(
      "clock",
      "not measured yet: this host has no directory entry (the daemon writes them)",
    );
  }
  // Each gap is the skew plus that write's delay: the smallest is the truest.
  const skew = skews.reduce((a, b) => (Math.abs(a) < Math.abs(b) ? a : b));
  const text = `this host's clock is ${(Math.abs(skew) / 1000).toFixed(1)} s ${skew >= 0 ? "ahead of" : "behind"} the NATS server's`;
  return Math.abs(skew) > SKEW_WARN_MS
    ? warn(
        "clock",
        text,
        "keep both clocks synced (NTP: timedatectl set-ntp true; macOS: Date & Time, set automatically)",
      )
    : ok("clock", text);
}
