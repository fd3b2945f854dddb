import { readFileSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { decodeEnvelope, type Envelope } from "../../src/codec/envelope";
import { createPeer } from "../../src/registry/create";
import type { Message } from "../../src/transport/messages";
import type { SendResult } from "../../src/transport/send";
import { type DaemonProcess, startDaemon } from "./daemon";
import { type Sandbox, sandbox } from "./sandbox";
import { until } from "./until";

/** One host of a mesh on this machine: its own home, host name and daemon. */
export interface MeshHost {
  readonly name: string;
  readonly sb: Sandbox;
  daemon: DaemonProcess;
  /** Start its daemon (again), on the same home. */
  restart(): Promise<DaemonProcess>;
  send(to: string, body: string, more?: Record<string, unknown>): Promise<SendResult>;
  message(id: string): Promise<Message>;
  /** What the echo peer `personality` of this host received, envelopes decoded. */
  received(personality: string): Envelope[];
}

export async function meshHost(
  natsUrl: string,
  name: string,
  peers: string[],
  env: Record<string, string> = {},
  /** For the daemon only, e.g. an IAPEER_PORT for MCP. */
  daemonEnv: Record<string, string> = {},
): Promise<MeshHost> {
  const sb = sandbox({ IAPEER_NATS_URL: natsUrl, IAPEER_HOST: name, ...env });
  for (const peer of peers) createPeer(sb.host(), { name: peer, runtime: "echo" });
  const h: MeshHost = {
    name,
    sb,
    daemon: await startDaemon(sb, daemonEnv),
    async restart() {
      h.daemon = await startDaemon(sb, daemonEnv);
      return h.daemon;
    },
    async send(to, body, more = {}) {
      const r = await h.daemon.api<SendResult>("POST", "/v1/send", { to, body, ...more });
      return r.body;
    },
    async message(id) {
      return (await h.daemon.api<Message>("GET", `/v1/messages/${id}`)).body;
    },
    received(personality) {
      try {
        return readFileSync(receivedLog(join(sb.layout.peersDir, personality)), "utf8")
          .trim()
          .split("\n")
          .filter(Boolean)
          .map((l) => {
            const e = decodeEnvelope((JSON.parse(l) as { text: string }).text);
            if (!e.ok) throw new Error(`undecodable: ${l.slice(0, 80)}`);
            return e.value;
          });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw e;
      }
    },
  };
  return h;
}

/** The daemon's journal has `ev` (`mesh-up`, `mesh-down`, …) after event `after`. */
export async function meshEvent(h: MeshHost, ev: string, after = 0): Promise<void> {
  await until(
    () =>
      h.sb.host().store.db.query("SELECT id FROM events WHERE ev = ? AND id > ?").all(ev, after)
        .length > 0,
    `${ev} at ${h.name}`,
    30_000,
  );
}

/** The daemon's mesh link is up, per its journal. */
export const meshUp = (h: MeshHost, after = 0): Promise<void> => meshEvent(h, "mesh-up", after);

export const isFinal = (m: Message): boolean =>
  m.state === "delivered" || m.state === "unconfirmed" || m.state === "failed";
