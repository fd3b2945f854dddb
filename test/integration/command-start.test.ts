import { expect, test } from "bun:test";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

test("a program that prints bye and exits 7 keeps bye in the error and the pane log", () => {
  const sb = sandbox();
  const made = runSource(
    ["create", "bye", "--runtime", "command", "--command", "sh -c 'echo bye; exit 7'"],
    sb.env,
  );
  expect(made.code).toBe(0);
  const woke = runSource(["wake", "bye"], sb.env);
  expect(woke.code).toBe(1);
  expect(woke.stderr).toContain("status 7");
  expect(woke.stderr).toContain("bye");
  const logs = runSource(["logs", "bye"], sb.env);
  expect(logs.stdout).toContain("bye");
});

test("wake of a program that is not there says so from the pane: command not found", () => {
  const sb = sandbox();
  // A shell command line is taken as it is: only the shell can say whether it runs.
  const made = runSource(
    ["create", "nob", "--runtime", "command", "--command", "nosuchbinary --flag 2>&1 && echo ran"],
    sb.env,
  );
  expect(made.code).toBe(0);
  const woke = runSource(["wake", "nob"], sb.env);
  expect(woke.code).toBe(1);
  expect(woke.stderr).toContain("nosuchbinary: not found");
  expect(runSource(["logs", "nob"], sb.env).stdout).toContain("nosuchbinary: not found");
});

test("create refuses a program that is not on PATH, naming it; nothing is made", () => {
  const sb = sandbox();
  const made = runSource(
    ["create", "nob", "--runtime", "command", "--command", "nosuchbinary --flag"],
    sb.env,
  );
  expect(made.code).toBe(2);
  expect(made.stderr.trim().split("\n")).toHaveLength(1);
  expect(made.stderr).toContain("nosuchbinary: command not found on PATH");
  expect(JSON.parse(runSource(["list", "--json"], sb.env).stdout)).toEqual([]);
});
