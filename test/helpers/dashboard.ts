import { expect } from "bun:test";
import { createPeer } from "../../src/registry/create";
import { type DaemonProcess, startDaemon } from "./daemon";
import { freePort } from "./port";
import { type Sandbox, sandbox } from "./sandbox";

/** A daemon on a throwaway home with its own loopback port, and echo peers made beforehand. */
export async function dashboard(
  peers: string[] = [],
  env: Record<string, string> = {},
): Promise<{ sb: Sandbox; d: DaemonProcess; base: string }> {
  const sb = sandbox();
  const host = sb.host();
  for (const name of peers) {
    const made = createPeer(host, { name, runtime: "echo" });
    if (!made.ok) throw new Error(made.error);
  }
  const d = await startDaemon(sb, { IAPEER_PORT: String(await freePort()), ...env });
  return { sb, d, base: `http://127.0.0.1:${d.info.port}` };
}

/** A fresh one-time login link, as `iapeer ui` gets it. */
export async function loginUrl(d: DaemonProcess): Promise<string> {
  const r = await d.api<{ url: string }>("POST", "/v1/ui/login");
  expect(r.status).toBe(200);
  return r.body.url;
}
