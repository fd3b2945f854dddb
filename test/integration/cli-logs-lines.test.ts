import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { peerLog } from "../../src/core/paths";
import { ROOT, runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { createShellPeer } from "../helpers/shell-peer";
import { until } from "../helpers/until";

const MAIN = join(ROOT, "src", "cli", "main.ts");
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** `iapeer logs …` running in the background; what it printed so far, and a way to stop it. */
function following(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn([process.execPath, MAIN, "logs", ...args], {
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const seen = { out: "" };
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stdout) seen.out += decoder.decode(chunk, { stream: true });
  })();
  return {
    seen,
    async stop() {
      proc.kill();
      await proc.exited;
      await reading;
    },
  };
}

describe("logs of a bash command peer", () => {
  test("the typed line once, after bash's first prompt; merged the same", async () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    createShellPeer(sb, "sh");
    expect(runSource(["send", "sh", "-m", "echo hello-there"], sb.env).code).toBe(0);
    const log = peerLog(sb.layout, "command-sh");
    await until(() => /hello-there\r?\n/.test(readFileSync(log, "utf8")), "bash's answer");
    // bash shows a pasted line highlighted, backs over it and prints it again: the raw log has
    // the text twice, the terminal showed it once.
    expect(readFileSync(log, "utf8").split("echo hello-there").length).toBe(3);

    const one = runSource(["logs", "sh"], sb.env);
    expect(one.code).toBe(0);
    const lines = one.stdout.split("\n");
    expect(lines[0]).toMatch(/^\S+[$#] echo hello-there$/);
    expect(lines[1]).toBe("hello-there");
    expect(one.stdout.split("echo hello-there").length).toBe(2);
    // No backspace, escape or carriage return left for a reader to trip over.
    for (const control of ["\b", "\u001b", "\r"]) expect(one.stdout).not.toContain(control);

    const merged = runSource(["logs"], sb.env);
    expect(merged.stdout.split("\n")[0]).toMatch(/^sh \| \S+[$#] echo hello-there$/);
    expect(merged.stdout.split("echo hello-there").length).toBe(2);
  }, 60_000);
});

describe("logs --json and --timestamps", () => {
  async function pinged() {
    const sb = sandbox({ IAPEER_PORT: "0" });
    expect(runSource(["create", "ping", "--runtime", "echo"], sb.env).code).toBe(0);
    expect(runSource(["send", "ping", "-m", "hello-ping"], sb.env).code).toBe(0);
    const log = peerLog(sb.layout, "echo-ping");
    await until(() => readFileSync(log, "utf8").includes("hello-ping"), "the echo");
    return sb;
  }

  test("--json: one object per line; the backlog's lines have no time", async () => {
    const sb = await pinged();
    for (const args of [
      ["logs", "ping", "--json"],
      ["logs", "--json"],
    ]) {
      const r = runSource(args, sb.env);
      expect(r.code).toBe(0);
      const rows = r.stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(Object.keys(row)).toEqual(["peer", "runtime", "identity", "ts", "line"]);
        expect(row).toMatchObject({ peer: "ping", runtime: "echo", identity: "echo-ping" });
        expect(row.ts).toBeNull();
      }
      expect(rows.some((row) => row.line.includes("hello-ping"))).toBe(true);
    }
  }, 60_000);

  test("-f --timestamps: a line that arrives carries the time it was written", async () => {
    const sb = await pinged();
    const backlog = runSource(["logs", "ping", "--timestamps"], sb.env).stdout;
    // No time is known for what was written before: a dash as wide as a time.
    expect(backlog.split("\n")[0]).toMatch(/^- {23} \S/);
    const follow = following(["-f", "-t", "--peer", "ping"], sb.env);
    try {
      await until(() => follow.seen.out.includes("hello-ping"), "the backlog");
      const before = Date.now();
      expect(runSource(["send", "ping", "-m", "later-ping"], sb.env).code).toBe(0);
      const line = await until(
        () => follow.seen.out.split("\n").find((l) => l.includes("later-ping")),
        "the new line",
      );
      const [stamp, name] = line.split(" ");
      expect(stamp).toMatch(ISO);
      expect(name).toBe("ping");
      const at = Date.parse(stamp as string);
      expect(at).toBeGreaterThanOrEqual(before - 1000);
      expect(at).toBeLessThanOrEqual(Date.now());
    } finally {
      await follow.stop();
    }
  }, 60_000);

  test("-f --json: a line that arrives has its ts", async () => {
    const sb = await pinged();
    const follow = following(["ping", "-f", "--json"], sb.env);
    try {
      await until(() => follow.seen.out.includes("hello-ping"), "the backlog");
      expect(runSource(["send", "ping", "-m", "later-ping"], sb.env).code).toBe(0);
      const line = await until(
        () => follow.seen.out.split("\n").find((l) => l.includes("later-ping")),
        "the new line",
      );
      const row = JSON.parse(line);
      expect(row.ts).toMatch(ISO);
      expect(row.line).toContain("later-ping");
    } finally {
      await follow.stop();
    }
  }, 60_000);
});
