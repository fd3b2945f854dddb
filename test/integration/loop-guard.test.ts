import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { extractEnvelopes } from "../../src/codec/extract";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

/** Bodies an echo peer received, in order. */
function bodies(cwd: string): string[] {
  let text = "";
  try {
    text = readFileSync(receivedLog(cwd), "utf8");
  } catch {
    return [];
  }
  return text
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .flatMap((line) => extractEnvelopes(JSON.parse(line).text).envelopes.map((e) => e.body));
}

function events(env: Record<string, string>): { ev: string; error?: string }[] {
  const r = runSource(["events", "--json"], env);
  return r.stdout
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));
}

test("two agents that answer every message stop at the hop limit, with an event and a readable refusal", async () => {
  const sb = sandbox({ IAPEER_PORT: "0", IAPEER_MAX_HOPS: "5" });
  for (const name of ["ping", "pong"]) {
    expect(runSource(["create", name, "--runtime", "echo"], sb.env).code).toBe(0);
    expect(runSource(["set", name, "reply=true"], sb.env).code).toBe(0);
  }
  // ping opens a conversation of 30 rounds; each echo agent answers the next round.
  const opened = runSource(
    ["send", "pong", "-m", "round 1/30", "--from", "ping", "--topic", "demo", "--json"],
    sb.env,
  );
  expect(opened.code).toBe(0);
  const ping = join(sb.layout.peersDir, "ping");
  const pong = join(sb.layout.peersDir, "pong");
  // Hops 0 to 5 go: rounds 1 to 6. Round 7 would be the sixth hop.
  await until(
    () => events(sb.env).find((e) => e.ev === "loop-stopped"),
    "the loop guard to stop the conversation",
    60_000,
  );
  const stopped = events(sb.env).filter((e) => e.ev === "loop-stopped");
  expect(stopped).toHaveLength(1);
  expect(String(stopped[0]?.error)).toContain("IAPEER_MAX_HOPS");
  await until(
    () => bodies(ping).length + bodies(pong).length === 6,
    "rounds 1 to 6 to arrive",
    30_000,
  );
  expect(bodies(pong)).toEqual(["round 1/30", "round 3/30", "round 5/30"]);
  expect(bodies(ping)).toEqual(["round 2/30", "round 4/30", "round 6/30"]);

  // A send from an agent beyond the limit is refused with words it can read; a person's is not.
  // ping handles round 6, the fifth hop: whatever it sends now would be the sixth.
  const refused = runSource(
    ["send", "pong", "-m", "round 7/30", "--from", "ping", "--json"],
    sb.env,
  );
  expect(refused.code).toBe(1);
  expect(JSON.parse(refused.stdout).error).toContain("the most allowed (IAPEER_MAX_HOPS)");
  expect(runSource(["send", "pong", "-m", "a person may", "--json"], sb.env).code).toBe(0);
}, 120_000);

test("an agent that sends too fast is refused past its rate", () => {
  const sb = sandbox({ IAPEER_PORT: "0", IAPEER_SEND_RATE: "3" });
  for (const name of ["ana", "bob"])
    expect(runSource(["create", name, "--runtime", "echo"], sb.env).code).toBe(0);
  for (let i = 0; i < 3; i++)
    expect(
      runSource(["send", "bob", "-m", `n${i}`, "--from", "ana", "--no-wait"], sb.env).code,
    ).toBe(10);
  const fourth = runSource(["send", "bob", "-m", "n3", "--from", "ana", "--json"], sb.env);
  expect(fourth.code).toBe(1);
  expect(JSON.parse(fourth.stdout).error).toContain("IAPEER_SEND_RATE");
  expect(events(sb.env).some((e) => e.ev === "send-rate-limited")).toBe(true);
});
