import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pidAlive } from "../../src/launch/pid";
import { getSession } from "../../src/lifecycle/sessions";
import { isLive } from "../../src/lifecycle/wake";
import { createPeer } from "../../src/registry/create";
import { Tmux } from "../../src/tmux/client";
import { readExits } from "../../src/tmux/exits";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");

describe("run-always-on", () => {
  test("under a restart loop standing in for KeepAlive: a death exits non-zero, is recorded, and the peer comes back; SIGTERM leaves nothing", async () => {
    const sb = sandbox({
      IAPEER_SERVICE_MANAGER: "none",
      IAPEER_SYSTEMD_DIR: "/nonexistent-not-used",
    });
    const host = sb.host();
    const made = createPeer(host, { name: "bot", runtime: "echo", alwaysOn: true });
    if (!made.ok) throw new Error(made.error);
    const exits: number[] = [];
    let current: ReturnType<typeof Bun.spawn> | undefined;
    let stopping = false;
    // The "service manager": start it again whenever it exits.
    const loop = (async () => {
      while (!stopping) {
        current = Bun.spawn([process.execPath, MAIN, "run-always-on", "echo-bot"], {
          env: { ...process.env, ...sb.env },
          stderr: "pipe",
        });
        exits.push(await current.exited);
      }
    })();
    const liveSession = async () => {
      for (let i = 0; i < 200; i++) {
        const s = getSession(host.store, "echo-bot");
        if (isLive(s)) return s;
        await Bun.sleep(25);
      }
      throw new Error("the always-on peer never came up");
    };
    try {
      const first = await liveSession();
      expect(JSON.parse(runSource(["list", "--json"], sb.env).stdout)[0]).toMatchObject({
        state: "always-on",
        pid: first.panePid,
      });
      process.kill(first.panePid as number, "SIGKILL");
      // It died within seconds of starting: exit 1, so the manager's throttle applies.
      for (let i = 0; i < 200 && exits.length === 0; i++) await Bun.sleep(25);
      expect(exits).toEqual([1]);
      expect(readExits(sb.layout.exitsLog).map((e) => [e.identity, e.signal])).toEqual([
        ["echo-bot", "SIGKILL"],
      ]);
      const second = await liveSession();
      expect(second.serverPid).not.toBe(first.serverPid);
      // Stopping the service: SIGTERM to run-always-on takes the session and its server down.
      stopping = true;
      current?.kill("SIGTERM");
      await loop;
      expect(exits).toEqual([1, 0]);
      // kill-server has been answered; the processes' own exits follow a moment later.
      await until(
        () => !pidAlive(second.serverPid) && !pidAlive(second.panePid),
        "the session's processes to be gone",
      );
      expect(pidAlive(second.serverPid)).toBe(false);
      expect(pidAlive(second.panePid)).toBe(false);
      expect(await new Tmux(second.socket).hasSession("echo-bot")).toBe(false);
      // A stop is not a death.
      expect(readExits(sb.layout.exitsLog)).toHaveLength(1);
    } finally {
      stopping = true;
      current?.kill("SIGKILL");
      await loop;
    }
  });

  test("the daemon never wakes an always-on peer; remove uninstalls its service first", () => {
    const unitDir = join(sandbox().config.home, "units");
    const sb = sandbox({ IAPEER_SERVICE_MANAGER: "none", IAPEER_SYSTEMD_DIR: unitDir });
    const created = runSource(["create", "bot", "--runtime", "echo", "--always-on"], sb.env);
    expect(created.code).toBe(0);
    const unit = join(unitDir, "iapeer-echo-bot.service");
    expect(readFileSync(unit, "utf8")).toContain("run-always-on echo-bot");
    const wake = runSource(["wake", "bot"], sb.env);
    expect(wake.code).toBe(1);
    expect(wake.stderr).toContain("always-on");
    expect(runSource(["remove", "bot"], sb.env).code).toBe(0);
    expect(existsSync(unit)).toBe(false);
  });
});
