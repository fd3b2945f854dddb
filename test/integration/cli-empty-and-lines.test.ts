import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { peerLog } from "../../src/core/paths";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

describe("no peers yet: an empty answer, the hint on stderr", () => {
  test("list prints nothing on stdout and its hint on stderr, exit 0", () => {
    const { env } = sandbox();
    const r = runSource(["list"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("no peers yet");
  });

  test("logs says the same, as a hint, not an error, exit 0", () => {
    const { env } = sandbox();
    const r = runSource(["logs"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("no peers yet");
    expect(r.stderr).not.toContain("iapeer:");
  });
});

describe("logs --lines N", () => {
  /** Two peers whose pane logs end with a prompt not yet followed by a newline. */
  function twoPeers() {
    const box = sandbox();
    for (const name of ["ana", "bob"]) {
      expect(runSource(["create", name, "--runtime", "echo"], box.env).code).toBe(0);
      writeFileSync(
        peerLog(box.layout, `echo-${name}`),
        `${name} one\n${name} two\n${name} three\n${name}$ `,
      );
    }
    return box;
  }

  test("merged: exactly N lines of each peer, the unfinished last line among them", () => {
    const { env } = twoPeers();
    const r = runSource(["logs", "--lines", "2"], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.filter((l) => l.startsWith("ana |"))).toEqual(["ana | ana three", "ana | ana$"]);
    expect(lines.filter((l) => l.startsWith("bob |"))).toEqual(["bob | bob three", "bob | bob$"]);
    expect(lines).toHaveLength(4);
  });

  test("one peer: its last N lines as printed, ending with a newline", () => {
    const { env } = twoPeers();
    const r = runSource(["logs", "ana", "--lines", "2"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("ana three\nana$ \n");
    expect(runSource(["logs", "ana", "--lines", "0"], env).stdout).toBe("");
  });
});
