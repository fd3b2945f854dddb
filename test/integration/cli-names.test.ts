import { describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

describe("names a new peer cannot take", () => {
  test("create all is refused in one line, exit 2, and makes no peer", () => {
    const { env } = sandbox();
    const r = runSource(["create", "all", "--runtime", "echo"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("all is reserved");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(runSource(["list", "--names"], env).stdout).toBe("");
  });

  test("init of a folder named all is refused, and --name gives it another", () => {
    const { env, config } = sandbox();
    const dir = join(config.home, "all");
    mkdirSync(dir);
    const r = runSource(["init", dir, "--runtime", "echo"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("all is reserved");
    expect(r.stderr).toContain("--name");
    expect(runSource(["list", "--names"], env).stdout).toBe("");
    expect(runSource(["init", dir, "--runtime", "echo", "--name", "everyone"], env).code).toBe(0);
    expect(runSource(["list", "--names"], env).stdout).toBe("everyone\n");
  });

  test("create café offers the name init would derive", () => {
    const { env } = sandbox();
    const r = runSource(["create", "café", "--runtime", "echo"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean cafe?");
    expect(runSource(["list", "--names"], env).stdout).toBe("");
  });

  test("a name nothing can be derived from is refused without an offer", () => {
    const { env } = sandbox();
    const r = runSource(["create", "--runtime", "echo", "--", "---"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid personality");
    expect(r.stderr).not.toContain("did you mean");
  });
});
