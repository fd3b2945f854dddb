import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

/** The daemon's signal route, as an agent's hook reaches it: over the unix socket only. */
test("a hook's dialog is recorded as asking, and the peer named by IAPEER_ASKING_TO is told; TCP is refused", async () => {
  const sb = sandbox({ IAPEER_ASKING_TO: "phone" });
  for (const name of ["ana", "phone"])
    expect(runSource(["create", name, "--runtime", "echo"], sb.env).code).toBe(0);
  expect(runSource(["wake", "ana"], sb.env).code).toBe(0);
  const info = JSON.parse(readFileSync(join(sb.config.sockDir, "daemon.json"), "utf8")) as {
    socket: string;
    port: number;
  };
  const signal = {
    identity: "echo-ana",
    runtime: "claude",
    payload: {
      hook_event_name: "PermissionRequest",
      session_id: "s1",
      tool_name: "Bash",
      tool_input: { command: "rm -rf build" },
    },
  };
  const post = (url: string, extra: Record<string, unknown> = {}) =>
    fetch(url, {
      method: "POST",
      body: JSON.stringify(signal),
      headers: { "content-type": "application/json" },
      ...extra,
    });
  // A peer's token over TCP cannot report another agent's state.
  expect((await post(`http://127.0.0.1:${info.port}/v1/signals`)).status).toBe(401);
  const res = await post("http://localhost/v1/signals", { unix: info.socket });
  expect(await res.json()).toEqual({ ok: true, state: "asking" });

  const rows = JSON.parse(runSource(["list", "--json"], sb.env).stdout) as {
    personality: string;
    agent?: { state: string; source: string; question?: string };
  }[];
  expect(rows.find((r) => r.personality === "ana")?.agent).toMatchObject({
    state: "asking",
    source: "hook",
    question: "Do you want to proceed? (Bash: rm -rf build)",
  });
  const phone = join(sb.layout.peersDir, "phone");
  const told = await until(() => {
    try {
      return readFileSync(receivedLog(phone), "utf8");
    } catch {
      return undefined;
    }
  }, "the phone peer to be told");
  expect(told).toContain("ana waits for a person's answer: Do you want to proceed?");
  expect(told).toContain("iapeer approve ana");
  // A message to ana now waits, saying why.
  const held = runSource(["send", "ana", "-m", "later", "--json"], sb.env);
  expect(held.code).toBe(10);
  expect(JSON.parse(held.stdout).reason).toBe(
    `ana waits for a person's answer: "Do you want to proceed? (Bash: rm -rf build)"`,
  );
  // The screen shows no dialog: `approve` presses nothing.
  const approve = runSource(["approve", "ana"], sb.env);
  expect(approve.code).toBe(1);
  expect(approve.stderr).toContain("ana shows no dialog now; nothing was pressed");
});
