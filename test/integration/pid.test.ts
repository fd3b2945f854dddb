import { describe, expect, test } from "bun:test";
import { join } from "node:path";

describe("process liveness", () => {
  test("a process is never taken for dead because no file descriptor was left to look", async () => {
    const live = Bun.spawn(["sleep", "60"]);
    try {
      const script = join(import.meta.dir, "..", "fixtures", "out-of-fds.ts");
      const run = Bun.spawnSync(
        [
          "sh",
          "-c",
          `ulimit -n 64 && exec "$0" "$1" "$2"`,
          process.execPath,
          script,
          String(live.pid),
        ],
        { stdout: "pipe", stderr: "pipe" },
      );
      const seen = JSON.parse(run.stdout.toString());
      expect(seen.token).toBeDefined();
      expect(seen.exhausted).toBe(true);
      expect(seen).toMatchObject({ same: true, alive: true });
    } finally {
      live.kill("SIGKILL");
      await live.exited;
    }
  });
});
