import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { decodeEnvelope } from "../../src/codec/envelope";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

/** What the echo agent wrote down: message bodies, answers, and anything typed into a question. */
function received(cwd: string): string[] {
  let text = "";
  try {
    text = readFileSync(receivedLog(cwd), "utf8");
  } catch {
    return [];
  }
  return text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const raw = (JSON.parse(l) as { text: string }).text;
      const env = decodeEnvelope(raw);
      return env.ok ? env.value.body : raw;
    });
}

test("from the screen alone: a question holds messages, `approvals` shows it, `approve` answers it by its text, then they go", async () => {
  const sb = sandbox({ IAPEER_PORT: "0" });
  expect(runSource(["create", "ana", "--runtime", "echo"], sb.env).code).toBe(0);
  const cwd = join(sb.layout.peersDir, "ana");
  expect(runSource(["send", "ana", "-m", "please [ask] first"], sb.env).code).toBe(0);
  const held = runSource(["send", "ana", "-m", "not an answer", "--json"], sb.env);
  expect(held.code).toBe(10);
  expect(JSON.parse(held.stdout).reason).toBe(
    `ana waits for a person's answer: "Do you want to proceed?"`,
  );
  const waiting = JSON.parse(runSource(["approvals", "--json"], sb.env).stdout);
  expect(waiting).toEqual([
    expect.objectContaining({
      peer: "ana",
      question: "Do you want to proceed?",
      options: ["Yes, go ahead", "No, stop here"],
      source: "screen",
    }),
  ]);
  const list = JSON.parse(runSource(["list", "--json"], sb.env).stdout);
  expect(list[0].agent).toMatchObject({ state: "asking", source: "screen" });
  const status = runSource(["status", "ana"], sb.env).stdout;
  expect(status).toMatch(/echo\s+live\s+asking \(screen\)/);
  expect(status).toContain("asking      Do you want to proceed?");
  // A while later, nothing was typed into the question.
  await Bun.sleep(2500);
  expect(received(cwd)).toEqual(["please [ask] first"]);
  // An option that is not there is refused, and nothing is pressed.
  const wrong = runSource(["approve", "ana", "maybe"], sb.env);
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain(
    `ana's dialog has no option "maybe"; it offers 1. Yes, go ahead / 2. No, stop here`,
  );
  const approved = runSource(["approve", "ana", "no, stop", "--json"], sb.env);
  expect(JSON.parse(approved.stdout)).toMatchObject({ ok: true, option: "No, stop here" });
  await until(() => received(cwd).length === 3, "the held message to arrive", 20_000);
  expect(received(cwd)).toEqual(["please [ask] first", "answered: No, stop here", "not an answer"]);
  expect(JSON.parse(runSource(["approvals", "--json"], sb.env).stdout)).toEqual([]);
  // Denying: the option that says No.
  expect(runSource(["send", "ana", "-m", "again [ask]"], sb.env).code).toBe(0);
  await until(
    () => JSON.parse(runSource(["approvals", "--json"], sb.env).stdout).length === 1,
    "the second question",
  );
  expect(JSON.parse(runSource(["deny", "ana", "--json"], sb.env).stdout)).toMatchObject({
    option: "No, stop here",
  });
  await until(() => received(cwd).at(-1) === "answered: No, stop here", "the denial");
  // At its input again, as far as its screen can tell.
  expect(JSON.parse(runSource(["list", "--json"], sb.env).stdout)[0].agent).toMatchObject({
    state: "idle",
    source: "screen",
  });
}, 90_000);
