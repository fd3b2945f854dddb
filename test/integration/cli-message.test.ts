import { expect, test } from "bun:test";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

/** The id a `send --json` printed. */
function sentId(stdout: string): string {
  const id = (JSON.parse(stdout) as { id: string | null }).id;
  if (!id) throw new Error(`no id in ${stdout}`);
  return id;
}

test("message <id> shows a kept message as queued (10) and list counts it in QUEUE", () => {
  const { env } = sandbox();
  expect(runSource(["create", "ana", "--runtime", "echo"], env).code).toBe(0);
  expect(runSource(["stop", "ana"], env).code).toBe(0);
  const sent = runSource(["send", "ana", "-m", "later", "--defer", "--json"], env);
  expect(sent.code).toBe(10);
  const id = sentId(sent.stdout);

  const shown = runSource(["message", id], env);
  expect(shown.stderr).toBe("");
  expect(shown.code).toBe(10);
  expect(shown.stdout).toMatch(/^state\s+queued \(deferred/m);
  expect(shown.stdout).toMatch(/^to\s+ana$/m);

  const list = runSource(["list"], env);
  const [header, row] = list.stdout.trim().split("\n");
  expect(header).toMatch(/STATE\s+AGENT\s+QUEUE/);
  expect(row).toMatch(/^ana\s+echo\s+stopped\s+-\s+1\s/);
  const rows = JSON.parse(runSource(["list", "--json"], env).stdout) as { queued: number }[];
  expect(rows[0]?.queued).toBe(1);
});

test("message --follow waits for the outcome, printing each change, and exits as send does", async () => {
  const { env } = sandbox();
  expect(runSource(["create", "ana", "--runtime", "echo"], env).code).toBe(0);
  const sent = runSource(["send", "ana", "-m", "hello", "--no-wait", "--json"], env);
  expect(sent.code).toBe(10);
  const id = sentId(sent.stdout);
  const followed = runSource(["message", id, "--follow", "--json"], env);
  expect(followed.code).toBe(0);
  const lines = followed.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { state: string });
  expect(lines.at(-1)?.state).toBe("delivered");
  // Only final when delivered: a first line still on its way, unless it was that fast.
  for (const l of lines.slice(0, -1)) expect(l.state).not.toBe("delivered");

  const again = runSource(["message", id], env);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/^state\s+delivered$/m);
  expect(again.stdout).toMatch(/^attempts\s+1$/m);
  expect(runSource(["list", "--json"], env).stdout).toContain('"queued": 0');
});

test("an unknown id is exit 1 with one line; a malformed one is exit 2", () => {
  const { env } = sandbox();
  const unknown = runSource(["message", "m_nope_0000"], env);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
  expect(unknown.stderr).toContain("no message m_nope_0000");
  const bad = runSource(["message", "../etc"], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("is not a message id");
});

test("send --key: the same text again is the first message; another text is a conflict naming the key", () => {
  const { env } = sandbox();
  expect(runSource(["create", "ana", "--runtime", "echo"], env).code).toBe(0);
  const first = runSource(["send", "ana", "-m", "one", "--key", "abc", "--json"], env);
  expect(first.code).toBe(0);
  const again = runSource(["send", "ana", "-m", "one", "--key", "abc", "--json"], env);
  expect(again.code).toBe(0);
  expect(sentId(again.stdout)).toBe(sentId(first.stdout));

  const other = runSource(["send", "ana", "-m", "two", "--key", "abc"], env);
  expect(other.code).toBe(1);
  // One error line (after the spinner's progress line).
  expect(other.stderr.split("\n").filter((l) => l.startsWith("iapeer:"))).toHaveLength(1);
  expect(other.stderr).toContain('the key "abc" was used for another message');
  const json = runSource(["send", "ana", "-m", "two", "--key", "abc", "--json"], env);
  expect(JSON.parse(json.stdout)).toMatchObject({
    ok: false,
    outcome: "failed",
    id: null,
    code: 1,
  });
  // Nothing was stored for it: the first message is still the only one.
  const shown = runSource(["message", sentId(first.stdout), "--json"], env);
  expect(JSON.parse(shown.stdout)).toMatchObject({ body: "one", state: "delivered" });
});
