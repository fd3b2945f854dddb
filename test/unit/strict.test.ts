import { describe, expect, test } from "bun:test";
import { defineCommand } from "citty";
import { checkArgs, optionValues } from "../../src/cli/strict";

const cmd = defineCommand({
  meta: { name: "logs" },
  args: {
    PEER: { type: "positional", required: false, description: "A peer" },
    peer: { type: "string", description: "Only this peer (repeatable)" },
    message: { type: "string", alias: "m", description: "A text" },
    follow: { type: "boolean", alias: "f", description: "Keep going" },
  },
});

describe("a repeatable option", () => {
  test("every value is kept, in order, whichever way it was written", async () => {
    const argv = ["--peer", "a", "-f", "--peer=b", "x", "--peer", "c"];
    expect(await checkArgs(cmd, ["logs"], argv)).toBeUndefined();
    expect(await optionValues(cmd, argv, "peer")).toEqual(["a", "b", "c"]);
  });

  test("a value that looks like the option is another option's value, not it", async () => {
    const argv = ["-m", "--peer", "--peer", "d"];
    expect(await optionValues(cmd, argv, "peer")).toEqual(["d"]);
    expect(await optionValues(cmd, argv, "message")).toEqual(["--peer"]);
  });

  test("words after -- are not options", async () => {
    expect(await optionValues(cmd, ["--", "--peer", "e"], "peer")).toEqual([]);
  });

  test("none given is an empty list", async () => {
    expect(await optionValues(cmd, ["x", "-f"], "peer")).toEqual([]);
  });

  test("strict parsing still refuses what the command does not take", async () => {
    expect(await checkArgs(cmd, ["logs"], ["--peer"])).toBe(
      "--peer needs a value; see iapeer logs --help",
    );
    expect(await checkArgs(cmd, ["logs"], ["--peers", "a"])).toBe(
      "unknown option --peers (did you mean --peer?); see iapeer logs --help",
    );
    expect(await checkArgs(cmd, ["logs"], ["x", "y"])).toBe(
      'unexpected argument "y": iapeer logs takes <peer>; see iapeer logs --help',
    );
  });
});
