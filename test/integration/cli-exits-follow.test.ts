import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { sinceForms } from "../../src/cli/since";
import { ROOT, runSource } from "../helpers/cli";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { createShellPeer } from "../helpers/shell-peer";
import { until } from "../helpers/until";

const MAIN = join(ROOT, "src", "cli", "main.ts");

/** `iapeer exits …` in the background: what it printed so far. */
function background(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn([process.execPath, MAIN, "exits", ...args], {
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const seen = { out: "", err: "" };
  const decoder = () => new TextDecoder();
  const reading = Promise.all([
    (async () => {
      const d = decoder();
      for await (const chunk of proc.stdout) seen.out += d.decode(chunk, { stream: true });
    })(),
    (async () => {
      const d = decoder();
      for await (const chunk of proc.stderr) seen.err += d.decode(chunk, { stream: true });
    })(),
  ]);
  return { proc, seen, reading };
}

/**
 * Tell bash peer `name` to exit with `status` a moment after the line lands: a shell that died
 * while its line was being confirmed would have it typed again into the next session.
 */
const exitLine = (status: number) => `sleep 1; exit ${status}`;

/** One death of bash peer `name`, recorded. */
async function dies(sb: Sandbox, name: string, status: number): Promise<void> {
  runSource(["send", name, "-m", exitLine(status)], sb.env);
  await until(
    () => runSource(["exits", name], sb.env).stdout.includes(`status ${status}`),
    `${name}'s death`,
  );
}

describe("exits --follow", () => {
  test("a death recorded while following is printed; Ctrl-C ends it with exit 0", async () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    createShellPeer(sb, "sh");
    expect(runSource(["wake", "sh"], sb.env).code).toBe(0);
    const follow = background(["-f"], sb.env);
    try {
      await until(() => follow.seen.err.includes("no recorded session deaths"), "the first look");
      runSource(["send", "sh", "-m", exitLine(7)], sb.env);
      const line = await until(
        () => follow.seen.out.split("\n").find((l) => l.includes("command-sh")),
        "the death, followed",
      );
      expect(line).toMatch(/^\S+Z {2}command-sh {2}exited with status 7$/);
    } finally {
      follow.proc.kill("SIGINT");
    }
    expect(await follow.proc.exited).toBe(0);
    await follow.reading;
    expect(follow.seen.err).not.toContain("iapeer:");
    // Printed once, though every look reads it again.
    expect(follow.seen.out.split("command-sh").length).toBe(2);
  }, 60_000);

  test("--json with --follow: one object per line, the deaths so far first", async () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    createShellPeer(sb, "sh");
    await dies(sb, "sh", 3);
    const follow = background(["sh", "-f", "--json"], sb.env);
    try {
      await until(() => follow.seen.out.includes("\n"), "the death so far");
      runSource(["send", "sh", "-m", exitLine(4)], sb.env);
      await until(() => follow.seen.out.trimEnd().split("\n").length >= 2, "the new death");
      const rows = follow.seen.out
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(rows.map((r) => r.cause)).toEqual(["exited with status 3", "exited with status 4"]);
      expect(rows[1]).toMatchObject({ identity: "command-sh", personality: "sh", class: "exited" });
    } finally {
      follow.proc.kill("SIGTERM");
    }
    expect(await follow.proc.exited).toBe(0);
    await follow.reading;
  }, 60_000);
});

describe("exits --since", () => {
  test("a duration or an ISO time leaves out the deaths before it", async () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    createShellPeer(sb, "sh");
    await dies(sb, "sh", 5);
    expect(runSource(["exits", "--since", "1h"], sb.env).stdout).toContain("status 5");
    const later = new Date(Date.now() + 1000).toISOString();
    const none = runSource(["exits", "--since", later], sb.env);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe("");
    expect(none.stderr).toContain("no recorded session deaths since then");
    expect(JSON.parse(runSource(["exits", "--since", later, "--json"], sb.env).stdout)).toEqual([]);
  }, 60_000);

  test("a bad --since is exit 2 naming the forms", () => {
    const sb = sandbox({ IAPEER_PORT: "0" });
    const r = runSource(["exits", "--since", "soon"], sb.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`iapeer: ${sinceForms(false)}\n`);
  });
});
