import { describe, expect, test } from "bun:test";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

describe("typos and the words people type", () => {
  test.each([
    ["lsit", "list"],
    ["sned", "send"],
    ["stauts", "status"],
    ["delte", "remove"],
    ["rmeove", "remove"],
  ])("%s suggests %s", (typed, meant) => {
    const r = runSource([typed]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `iapeer: unknown command ${JSON.stringify(typed)} (did you mean ${meant}?); see iapeer --help\n`,
    );
  });

  test("ls and ps are list, rm and delete are remove", () => {
    const { env } = sandbox();
    expect(runSource(["create", "ana", "--runtime", "echo"], env).code).toBe(0);
    expect(runSource(["create", "bob", "--runtime", "echo"], env).code).toBe(0);
    for (const word of ["ls", "ps"]) {
      const r = runSource([word, "--names"], env);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("ana\nbob\n");
    }
    expect(runSource(["rm", "ana"], env).code).toBe(0);
    expect(runSource(["delete", "bob"], env).code).toBe(0);
    expect(runSource(["list", "--names"], env).stdout).toBe("");
  });

  test("--help shows the aliases beside their command, and help takes them", () => {
    const help = runSource(["--help"]).stdout;
    expect(help).toMatch(/list, ls, ps +Every peer/);
    expect(help).toMatch(/remove, rm, delete +Stop a peer/);
    const rm = runSource(["help", "rm"]);
    expect(rm.code).toBe(0);
    expect(rm.stdout).toContain("USAGE iapeer remove");
    expect(runSource(["ps", "--help"]).stdout).toContain("USAGE iapeer list");
  });
});
