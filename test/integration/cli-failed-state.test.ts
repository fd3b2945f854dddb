import { expect, test } from "bun:test";
import { setFailed } from "../../src/registry/registry";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

test("a failed peer's STATE says when it is retried; JSON keeps failed_until", () => {
  const box = sandbox();
  expect(runSource(["create", "ana", "--runtime", "echo"], box.env).code).toBe(0);
  // As the crash-loop guard leaves a peer that kept dying: refused for the next 5 minutes.
  const until = new Date(Date.now() + 300_000).toISOString();
  setFailed(box.host().store, "ana", until, 1);

  const list = runSource(["list"], box.env);
  expect(list.code).toBe(0);
  expect(list.stdout).toMatch(/ana +echo +failed \(retry in (4m[0-5]\ds|5m00s)\) /);
  expect(list.stdout).not.toContain(until);

  const status = runSource(["status", "ana"], box.env);
  expect(status.stdout).toMatch(/echo +failed \(retry in (4m[0-5]\ds|5m00s)\)/);

  const json = JSON.parse(runSource(["list", "--json"], box.env).stdout);
  expect(json[0].state).toBe("failed");
  expect(json[0].failed_until).toBe(until);
});
