import { readFileSync } from "node:fs";
import {
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
} from "@nats-io/transport-node";
import type { MeshConfig } from "../core/mesh-config";
import { fail, ok, type Result } from "../core/result";
import { inboxPrefix } from "./subjects";

interface ConnectTuning {
  /** Keep trying until the first connection is made, instead of failing at once. */
  waitOnFirstConnect?: boolean;
  /** Handshake deadline per attempt, ms. */
  timeoutMs?: number;
}

/** Seconds between pings, and pings missed before the link counts as dead: ~15 s to notice. */
const PING_MS = 5_000;
const PINGS_MISSED = 3;

/**
 * What the client is given, built from validated settings. `creds` is the creds file's content,
 * read by the caller. tls:// becomes a required TLS connection (with the CA when set); the client
 * itself takes host:port.
 */
export function connectionOptions(
  mesh: MeshConfig,
  host: string,
  creds?: Uint8Array,
  tuning: ConnectTuning = {},
): NodeConnectionOptions {
  const auth = mesh.auth;
  return {
    servers: mesh.urls.map((url) => url.replace(/^(nats|tls):\/\//, "")),
    name: `iapeer-${host}`,
    // Its replies and pulled items come under a prefix only its NATS user may listen on.
    inboxPrefix: inboxPrefix(host),
    ...(mesh.tls && { tls: mesh.ca ? { caFile: mesh.ca } : {} }),
    ...(auth.kind === "token" && { token: auth.token }),
    ...(auth.kind === "user" && { user: auth.user, pass: auth.password }),
    ...(auth.kind === "creds" && creds && { authenticator: credsAuthenticator(creds) }),
    // A daemon never gives up on the mesh: messages for other hosts wait in its queue meanwhile.
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    pingInterval: PING_MS,
    maxPingOut: PINGS_MISSED,
    waitOnFirstConnect: tuning.waitOnFirstConnect ?? false,
    timeout: tuning.timeoutMs ?? 5_000,
  };
}

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Connect to the mesh's NATS servers as `host`; a failure is a one-line error value. */
export async function connectMesh(
  mesh: MeshConfig,
  host: string,
  tuning: ConnectTuning = {},
): Promise<Result<NatsConnection>> {
  let creds: Uint8Array | undefined;
  if (mesh.auth.kind === "creds") {
    try {
      creds = readFileSync(mesh.auth.file);
    } catch (e) {
      return fail(`cannot read IAPEER_NATS_CREDS ${mesh.auth.file}: ${reason(e)}`);
    }
  }
  try {
    return ok(await connect(connectionOptions(mesh, host, creds, tuning)));
  } catch (e) {
    return fail(`cannot connect to NATS at ${mesh.urls.join(", ")}: ${reason(e)}`);
  }
}
