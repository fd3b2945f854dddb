import { expect, test } from "bun:test";
import { utimesSync } from "node:fs";
import { peerLog } from "../../src/core/paths";
import { nowOf } from "../../src/home/host";
import { saveAgentState } from "../../src/lifecycle/agent-states";
import { superviseTick } from "../../src/lifecycle/supervise";
import { wakeOrSpawn } from "../../src/lifecycle/wake";
import { createPeer } from "../../src/registry/create";
import { sandbox } from "../helpers/sandbox";

test("a session whose agent waits for a person's answer, or runs a turn, is never put to sleep as idle", async () => {
  const sb = sandbox({ IAPEER_IDLE_SECS: "1" });
  const host = sb.host();
  const made = createPeer(host, { name: "ana", runtime: "echo" });
  if (!made.ok) throw new Error(made.error);
  const woke = await wakeOrSpawn(host, "ana");
  if (!woke.ok) throw new Error(woke.error);
  const quiet = () => {
    // Nothing printed for longer than IAPEER_IDLE_SECS.
    const old = new Date(Date.now() - 5000);
    utimesSync(peerLog(sb.layout, "echo-ana"), old, old);
    host.store.db
      .query("UPDATE sessions SET last_active_at = ?1, started_at = ?1 WHERE identity = 'echo-ana'")
      .run(old.toISOString());
  };
  const state = (s: "asking" | "busy" | "idle") =>
    host.store.write(() =>
      saveAgentState(
        host.store,
        {
          identity: "echo-ana",
          state: s,
          source: "hook",
          turn: [],
          ...(s === "asking" && { dialog: { question: "Proceed?", options: ["Yes", "No"] } }),
        },
        nowOf(host),
      ),
    );
  state("asking");
  quiet();
  expect((await superviseTick(host)).slept).toEqual([]);
  state("busy");
  quiet();
  expect((await superviseTick(host)).slept).toEqual([]);
  state("idle");
  quiet();
  expect((await superviseTick(host)).slept).toEqual(["echo-ana"]);
});
