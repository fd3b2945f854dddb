import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { pidAlive } from "../../src/launch/pid";
import { getSession } from "../../src/lifecycle/sessions";
import { isLive } from "../../src/lifecycle/wake";
import { createPeer } from "../../src/registry/create";
import { getPeer } from "../../src/registry/registry";
import { restartService } from "../../src/service/manager";
import { installPeerService, restartAnyPeer, specFor } from "../../src/service/peer-service";
import type { CommandRunner } from "../../src/service/runner";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

/**
 * `restart` of an always-on peer asks its service manager, which owns the session; it never
 * kills the session itself and leaves it down.
 */

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
const services: ReturnType<typeof Bun.spawn>[] = [];
afterEach(async () => {
  for (const p of services.splice(0)) {
    p.kill("SIGKILL");
    await p.exited;
  }
});

/** What launchd/systemd would run: `iapeer run-always-on <identity>`, tracked by pid. */
function runService(env: Record<string, string>, identity: string) {
  const proc = Bun.spawn([process.execPath, MAIN, "run-always-on", identity], {
    env: { ...process.env, ...env },
    stdout: "ignore",
    stderr: "ignore",
  });
  services.push(proc);
  return proc;
}

function alwaysOnBot(manager: "none" | "systemd") {
  const units = join(sandbox().config.home, "units");
  const sb = sandbox({ IAPEER_SERVICE_MANAGER: manager, IAPEER_SYSTEMD_DIR: units });
  const host = sb.host();
  const made = createPeer(host, { name: "bot", runtime: "echo", alwaysOn: true });
  if (!made.ok) throw new Error(made.error);
  return { sb, host };
}

async function liveSession(host: ReturnType<typeof alwaysOnBot>["host"], notServer?: number) {
  return until(() => {
    const s = getSession(host.store, "echo-bot");
    return isLive(s) && s.serverPid !== notServer ? s : undefined;
  }, "the always-on session to be live");
}

describe("restart of an always-on peer", () => {
  test("with a service manager: the manager is told to restart it, and the new session is waited for", async () => {
    const { sb, host } = alwaysOnBot("systemd");
    const told: string[][] = [];
    let service = runService(sb.env, "echo-bot");
    // A stand-in for systemctl: `restart` stops the service (waiting, as systemctl does), then starts it.
    const systemctl: CommandRunner = (argv) => {
      told.push(argv);
      if (argv[2] === "restart") {
        const old = service;
        old.kill("SIGTERM");
        // Until it has exited: a zombie (not reaped yet: this runner blocks the event loop) counts.
        const status = `/proc/${old.pid}/status`;
        Bun.spawnSync([
          "sh",
          "-c",
          `while [ -e ${status} ] && ! grep -q '^State:.*Z' ${status}; do sleep 0.05; done`,
        ]);
        service = runService(sb.env, "echo-bot");
      }
      return { code: 0, stdout: "", stderr: "" };
    };
    const peer = getPeer(host.store, "bot");
    if (!peer) throw new Error("no bot");
    expect(installPeerService(host, peer, systemctl).ok).toBe(true);
    const first = await liveSession(host);

    const r = await restartAnyPeer(host, "bot", undefined, systemctl);
    expect(r).toMatchObject({ ok: true, woke: true, mode: "fresh" });
    expect(told).toContainEqual(["systemctl", "--user", "restart", "iapeer-echo-bot.service"]);
    const second = await liveSession(host, first.serverPid);
    expect(r.ok && r.session.serverPid).toBe(second.serverPid);
    await until(() => !pidAlive(first.serverPid), "the old session's server to be gone");
  });

  test("under IAPEER_SERVICE_MANAGER=none it is refused and the running session is left alone", async () => {
    const { sb, host } = alwaysOnBot("none");
    runService(sb.env, "echo-bot");
    const first = await liveSession(host);
    const r = runSource(["restart", "bot", "--json"], sb.env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: false,
      error: expect.stringContaining("IAPEER_SERVICE_MANAGER=none"),
    });
    const after = getSession(host.store, "echo-bot");
    expect(isLive(after) && after.serverPid).toBe(first.serverPid);
  });

  test("launchd is told to kickstart -k the peer's job", () => {
    const sb = sandbox({
      IAPEER_SERVICE_MANAGER: "launchd",
      IAPEER_LAUNCHAGENTS_DIR: join(sandbox().config.home, "agents"),
    });
    const host = sb.host();
    const made = createPeer(host, { name: "bot", runtime: "echo", alwaysOn: true });
    if (!made.ok) throw new Error(made.error);
    const told: string[][] = [];
    const launchctl: CommandRunner = (argv) => {
      told.push(argv);
      return { code: 0, stdout: "", stderr: "" };
    };
    expect(installPeerService(host, made.value, launchctl).ok).toBe(true);
    const spec = specFor(host, made.value);
    if (!spec.ok) throw new Error(spec.error);
    expect(restartService(host.config, spec.value, launchctl)).toEqual({
      ok: true,
      value: ["launchctl", "kickstart", "-k", `gui/${host.config.uid}/com.iapeer.echo-bot`],
    });
  });
});
