import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runSource } from "../helpers/cli";
import { tempDir } from "../helpers/temp";

test("a peer whose profile is broken is not woken on a guess: the wake and a send say what to fix", () => {
  const env = { IAPEER_HOME: tempDir(), IAPEER_PORT: "0" };
  expect(runSource(["create", "ana", "--runtime", "echo"], env).code).toBe(0);
  const profile = join(env.IAPEER_HOME, "peers", "ana", ".iapeer", "peer.json");
  writeFileSync(profile, "{ broken");
  const wake = runSource(["wake", "ana", "--json"], env);
  expect(wake.code).toBe(1);
  expect(JSON.parse(wake.stdout)).toMatchObject({
    ok: false,
    refusal: "broken",
    error: expect.stringContaining(`fix ${profile}`),
  });
  const sent = runSource(["send", "ana", "-m", "hi", "--json"], env);
  expect(sent.code).toBe(1);
  expect(JSON.parse(sent.stdout)).toMatchObject({
    outcome: "failed",
    error: expect.stringContaining("profile is broken"),
  });
  const listed = JSON.parse(runSource(["list", "--json"], env).stdout);
  expect(listed[0]).toMatchObject({ state: "broken" });
  expect(listed[0].pid).toBeUndefined();
});
