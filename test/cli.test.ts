import { describe, expect, test } from "bun:test";
import pkg from "../package.json" with { type: "json" };
import { runSource } from "./helpers/cli";
import { tempDir } from "./helpers/temp";

describe("iapeer CLI", () => {
  test("--version prints the version and where it was built from", () => {
    const r = runSource(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`iapeer ${pkg.version} (source)`);
  });

  test("--help lists the commands without colour when NO_COLOR is set", () => {
    const r = runSource(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("config");
    expect(r.stdout).not.toContain("\u001b[");
  });

  test("a bare iapeer shows usage and exits 2", () => {
    const r = runSource([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("USAGE");
  });

  test("an unknown command is a one-line usage error, exit 2", () => {
    const r = runSource(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("iapeer: Unknown command frobnicate (see iapeer --help)\n");
  });

  test("config --json shows every knob with its source", () => {
    const home = tempDir();
    const r = runSource(["config", "--json"], { IAPEER_HOME: home, IAPEER_PORT: "0" });
    expect(r.code).toBe(0);
    const { knobs } = JSON.parse(r.stdout) as {
      knobs: { name: string; value: unknown; source: string }[];
    };
    const byName = Object.fromEntries(knobs.map((k) => [k.name, k]));
    expect(byName.IAPEER_HOME).toMatchObject({ value: home, source: "env" });
    expect(byName.IAPEER_PORT).toMatchObject({ value: 0, source: "env" });
    expect(byName.IAPEER_TICK_SECS).toMatchObject({ value: 60, source: "default" });
  });

  test("a bad knob is a one-line error naming it, exit 2", () => {
    const r = runSource(["config"], { IAPEER_TICK_SECS: "soon" });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'iapeer: IAPEER_TICK_SECS must be an integer from 1 to 86400 (got "soon")\n',
    );
    expect(r.stdout).toBe("");
  });
});
