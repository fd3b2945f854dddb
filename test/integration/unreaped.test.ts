import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { processState } from "../../src/launch/pid";
import { getSession } from "../../src/lifecycle/sessions";
import { wakeOrSpawn } from "../../src/lifecycle/wake";
import { createPeer } from "../../src/registry/create";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

/**
 * tmux 3.3 sometimes misses a pane process's SIGCHLD: the process stays a zombie, the pane-died
 * hook never runs. Made certain here by stopping the tmux server (SIGSTOP) before the pane's
 * process is killed: it cannot reap. With no daemon running, the CLI must still see the death,
 * with its real cause.
 */

async function zombiePeer() {
  const sb = sandbox();
  const host = sb.host();
  const made = createPeer(host, { name: "ana", runtime: "echo" });
  if (!made.ok) throw new Error(made.error);
  const woke = await wakeOrSpawn(host, "ana");
  if (!woke.ok) throw new Error(woke.error);
  const { serverPid, panePid } = woke.session;
  if (!serverPid || !panePid) throw new Error("no pids");
  process.kill(serverPid, "SIGSTOP");
  process.kill(panePid, "SIGTERM");
  for (const until = Date.now() + 10_000; processState(panePid) !== "Z"; await Bun.sleep(20)) {
    if (Date.now() > until) throw new Error("the pane's process did not become a zombie");
  }
  const cleanup = () => {
    try {
      process.kill(serverPid, "SIGKILL");
    } catch {
      // gone
    }
  };
  return { sb, host, serverPid, panePid, cleanup };
}

const json = (r: { stdout: string }) => JSON.parse(r.stdout);

describe("a pane process tmux never reaped", () => {
  test("list shows it dead (the daemon it starts looks before it answers), and exits gives the real signal", async () => {
    const { sb, serverPid, cleanup } = await zombiePeer();
    try {
      const list = runSource(["list", "--json"], sb.env);
      expect(list.code).toBe(0);
      expect(json(list)[0]).toMatchObject({ personality: "ana", state: "asleep" });
      const exits = runSource(["exits", "ana", "--json"], sb.env);
      expect(json(exits)).toEqual([
        expect.objectContaining({ identity: "echo-ana", signal: "SIGTERM" }),
      ]);
      const lifecycle = readFileSync(sb.layout.lifecycleLog, "utf8");
      expect(lifecycle).toContain("ev=unreaped-exit identity=echo-ana");
      expect(lifecycle).toMatch(/ev=death identity=echo-ana class=signaled signal=SIGTERM/);
      expect(lifecycle).not.toContain("server-dead");
      expect(processState(serverPid) ?? "gone").toMatch(/gone|Z/);
    } finally {
      cleanup();
    }
  });

  test("a wake starts it anew instead of answering that it is awake", async () => {
    const { sb, host, panePid, cleanup } = await zombiePeer();
    try {
      const wake = runSource(["wake", "ana", "--json"], sb.env);
      expect(json(wake)).toMatchObject({ ok: true, woke: true });
      const session = getSession(host.store, "echo-ana");
      expect(session?.panePid).not.toBe(panePid);
      const exits = json(runSource(["exits", "ana", "--json"], sb.env));
      expect(exits.map((e: { signal?: string }) => e.signal)).toEqual(["SIGTERM"]);
      expect(readFileSync(sb.layout.lifecycleLog, "utf8")).not.toContain("orphan-stopped");
    } finally {
      cleanup();
    }
  });
});
