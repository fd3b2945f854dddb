import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compareVersions, daemonBuildDiffers } from "../../src/doctor/daemon-version";
import { runSource } from "../helpers/cli";
import { tempDir } from "../helpers/temp";

describe("a daemon's build against this binary's", () => {
  test("versions compare by number, not as text", () => {
    expect(compareVersions("0.10.0", "0.9.1")).toBe(1);
    expect(compareVersions("0.1.0", "0.1.0")).toBe(0);
    expect(compareVersions("1.0", "1.0.1")).toBe(-1);
    expect(compareVersions("0.2.0-rc.1", "0.2.0")).toBe(0);
  });

  test("an older or newer version, a daemon without a commit, or another commit is told apart", () => {
    const self = { version: "0.2.0", commit: "bbbbbbbbbbbb" };
    expect(daemonBuildDiffers({ version: "0.1.0", commit: "aaaaaaaaaaaa" }, self)).toBe(
      "older than this binary's 0.2.0 (bbbbbbbbbbbb)",
    );
    expect(daemonBuildDiffers({ version: "0.3.0" }, self)).toStartWith("newer");
    expect(daemonBuildDiffers({ version: "0.2.0" }, self)).toStartWith("an older build");
    expect(daemonBuildDiffers({ version: "0.2.0", commit: "aaaaaaaaaaaa" }, self)).toStartWith(
      "another build",
    );
    expect(daemonBuildDiffers({ ...self }, self)).toBeUndefined();
  });

  test("doctor warns when the running daemon is an older version, with the pid to restart", () => {
    const home = tempDir();
    mkdirSync(join(home, "run"), { recursive: true, mode: 0o700 });
    // A sleeping process of this test's stands in for a live daemon of an older release.
    const standIn = Bun.spawn(["sleep", "60"]);
    const info = {
      pid: standIn.pid,
      socket: join(home, "run", "daemon.sock"),
      port: 0,
      version: "0.0.1",
      startedAt: new Date().toISOString(),
    };
    writeFileSync(join(home, "run", "daemon.json"), JSON.stringify(info));
    const r = runSource(["doctor", "--json"], {
      IAPEER_HOME: home,
      IAPEER_SOCK_DIR: join(home, "run"),
      IAPEER_SERVICE_MANAGER: "none",
    });
    const daemon = (
      JSON.parse(r.stdout) as { check: string; detail: string; fix?: string; level: string }[]
    ).find((c) => c.check === "daemon");
    standIn.kill();
    expect(daemon?.level).toBe("warn");
    expect(daemon?.detail).toContain(`pid ${standIn.pid}, version 0.0.1`);
    expect(daemon?.detail).toContain("older than this binary's");
    expect(daemon?.fix).toContain("iapeer daemon restart");
    expect(daemon?.fix).toContain(`pid ${standIn.pid}`);
  });
});
