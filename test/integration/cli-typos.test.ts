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

describe("iapeer's own words where citty's leaked", () => {
  test.each([
    [["service"], "service needs a command: install, uninstall, status; see iapeer service --help"],
    [["send"], "send needs <peer>; see iapeer send --help"],
    [["send", "-m", "hi"], "send needs <peer>; see iapeer send --help"],
    [["stop"], "stop needs <peer>; see iapeer stop --help"],
    [["create", "ana"], "create needs --runtime; see iapeer create --help"],
    [
      ["service", "instal"],
      'unknown service command "instal" (did you mean install?); see iapeer service --help',
    ],
  ])("iapeer %p: one line naming what is missing and --help, exit 2", (argv, line) => {
    const { env } = sandbox();
    const r = runSource(argv, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`iapeer: ${line}\n`);
    expect(r.stdout).toBe("");
  });

  test("a group's --help still shows its commands", () => {
    const r = runSource(["service", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("USAGE iapeer service install|uninstall|status");
  });
});
