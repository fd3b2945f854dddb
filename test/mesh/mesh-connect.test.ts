import { afterEach, expect, test } from "bun:test";
import type { NatsConnection } from "@nats-io/transport-node";
import { loadMeshConfig, type MeshConfig } from "../../src/core/mesh-config";
import { connectionOptions, connectMesh } from "../../src/mesh/connect";
import { startNats } from "../helpers/nats";
import { natsDescribe } from "../helpers/needs";
import { freePort } from "../helpers/port";
import { makeCerts } from "../helpers/tls";

function mesh(env: Record<string, string>): MeshConfig {
  const r = loadMeshConfig(env);
  if (!r.ok || !r.value) throw new Error(r.ok ? "no mesh" : r.error);
  return r.value;
}

const open: NatsConnection[] = [];
afterEach(async () => {
  for (const nc of open.splice(0)) await nc.close();
});

async function connected(m: MeshConfig): Promise<NatsConnection> {
  const r = await connectMesh(m, "mini2");
  if (!r.ok) throw new Error(r.error);
  open.push(r.value);
  return r.value;
}

async function refused(m: MeshConfig): Promise<string> {
  const r = await connectMesh(m, "mini2", { timeoutMs: 3_000 });
  if (r.ok) {
    open.push(r.value);
    throw new Error("expected the connection to be refused");
  }
  return r.error;
}

natsDescribe("connection options", () => {
  test("servers as host:port, named after the host, never giving up", () => {
    const o = connectionOptions(
      mesh({ IAPEER_NATS_URL: "nats://127.0.0.1,nats://[::1]:5222" }),
      "mini2",
    );
    expect(o.servers).toEqual(["127.0.0.1:4222", "[::1]:5222"]);
    expect(o.name).toBe("iapeer-mini2");
    expect(o.maxReconnectAttempts).toBe(-1);
    expect(o.tls).toBeUndefined();
    expect([o.token, o.user, o.pass, o.authenticator]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  test("tls:// requires TLS, with the CA when one is set", () => {
    const tls = { IAPEER_NATS_URL: "tls://nats.example.com" };
    expect(connectionOptions(mesh(tls), "h").tls).toEqual({});
    const ca = mesh({ ...tls, IAPEER_NATS_CA: "/etc/nats/ca.pem" });
    expect(connectionOptions(ca, "h").tls).toEqual({ caFile: "/etc/nats/ca.pem" });
  });

  test("each way to authenticate", () => {
    const url = { IAPEER_NATS_URL: "nats://127.0.0.1" };
    expect(connectionOptions(mesh({ ...url, IAPEER_NATS_TOKEN: "t" }), "h").token).toBe("t");
    const user = connectionOptions(
      mesh({ ...url, IAPEER_NATS_USER: "mini2", IAPEER_NATS_PASSWORD: "pw" }),
      "h",
    );
    expect([user.user, user.pass]).toEqual(["mini2", "pw"]);
    const creds = mesh({ ...url, IAPEER_NATS_CREDS: "/x.creds" });
    expect(connectionOptions(creds, "h", new Uint8Array([1])).authenticator).toBeFunction();
  });
});

natsDescribe("connecting", () => {
  test("with a token: the right one connects, a wrong one is a one-line error", async () => {
    const server = await startNats(["--auth", "s3cret-token"]);
    const url = { IAPEER_NATS_URL: server.url };
    const nc = await connected(mesh({ ...url, IAPEER_NATS_TOKEN: "s3cret-token" }));
    expect(nc.info?.jetstream).toBe(true);
    const e = await refused(mesh({ ...url, IAPEER_NATS_TOKEN: "wrong" }));
    expect(e).toStartWith(`cannot connect to NATS at ${server.url}:`);
    expect(e).toContain("Authorization");
    expect(e).not.toContain("\n");
    expect(await refused(mesh(url))).toContain("Authorization");
  });

  test("with a user and password", async () => {
    const server = await startNats(["--user", "mini2", "--pass", "pw"]);
    const url = { IAPEER_NATS_URL: server.url };
    await connected(mesh({ ...url, IAPEER_NATS_USER: "mini2", IAPEER_NATS_PASSWORD: "pw" }));
    const e = await refused(
      mesh({ ...url, IAPEER_NATS_USER: "mini2", IAPEER_NATS_PASSWORD: "no" }),
    );
    expect(e).toContain("Authorization");
  });

  test("a creds file that cannot be read is an error naming it", async () => {
    const e = await refused(
      mesh({ IAPEER_NATS_URL: "nats://127.0.0.1:1", IAPEER_NATS_CREDS: "/nonexistent/x.creds" }),
    );
    expect(e).toStartWith("cannot read IAPEER_NATS_CREDS /nonexistent/x.creds:");
  });

  test("tls:// verifies the server against IAPEER_NATS_CA", async () => {
    const certs = makeCerts();
    const server = await startNats(["--tlscert", certs.cert, "--tlskey", certs.key]);
    const url = { IAPEER_NATS_URL: `tls://127.0.0.1:${server.port}` };
    const nc = await connected(mesh({ ...url, IAPEER_NATS_CA: certs.ca }));
    expect(nc.info?.tls_required).toBe(true);
    // Not signed by a CA the system knows.
    expect(await refused(mesh(url))).toContain("certificate");
  });

  test("tls:// to a server without TLS is refused, never sent in plaintext", async () => {
    const server = await startNats();
    const e = await refused(mesh({ IAPEER_NATS_URL: `tls://127.0.0.1:${server.port}` }));
    expect(e).toContain("tls");
  });

  test("nothing listening: an error at once, by default", async () => {
    const port = await freePort();
    const started = Date.now();
    const e = await refused(mesh({ IAPEER_NATS_URL: `nats://127.0.0.1:${port}` }));
    expect(e).toStartWith(`cannot connect to NATS at nats://127.0.0.1:${port}:`);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
