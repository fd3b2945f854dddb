import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

/** What a user sees of the daemon being the one owner, through the CLI. */
describe("the daemon owns the sessions; the CLI asks it", () => {
  test("IAPEER_PORT=0 iapeer ui says why and starts no daemon", () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    const r = runSource(["ui", "--no-open"], sb.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("IAPEER_PORT=0");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(runSource(["daemon", "status"], sb.env).code).toBe(3);
  });

  test("stop all ends every session and leaves no tmux socket behind", () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    for (const name of ["ana", "bob"])
      expect(runSource(["create", name, "--runtime", "echo"], sb.env).code).toBe(0);
    expect(runSource(["wake", "all"], sb.env).code).toBe(0);
    expect(readdirSync(sb.layout.tmuxSockDir).sort()).toEqual(["echo-ana.sock", "echo-bob.sock"]);
    expect(runSource(["stop", "all"], sb.env).code).toBe(0);
    expect(readdirSync(sb.layout.tmuxSockDir)).toEqual([]);
  });

  test("an unknown peer is said before anything about the terminal", () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    const r = runSource(["attach", "nosuch"], sb.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("iapeer: no peer named nosuch; see `iapeer list`\n");
  });

  test("list and status answer from the daemon they start; its log says where it runs", () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    expect(runSource(["daemon", "status"], sb.env).code).toBe(3);
    const list = runSource(["list", "--json"], sb.env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    const status = JSON.parse(runSource(["status", "--json"], sb.env).stdout);
    expect(status.daemon).toMatchObject({ up: true });
    expect(existsSync(join(sb.layout.logsDir, "daemon.out.log"))).toBe(true);
  });
});
