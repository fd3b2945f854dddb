import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DaemonInfo } from "../../src/daemon/info";
import type { Sandbox } from "./sandbox";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");
const running = new Set<ReturnType<typeof Bun.spawn>>();

export interface DaemonProcess {
  proc: ReturnType<typeof Bun.spawn>;
  info: DaemonInfo;
  /** Call its JSON API over the unix socket. */
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** A real `iapeer daemon` process on the sandbox's home; stopped by pid after the test. */
export async function startDaemon(
  sb: Sandbox,
  env: Record<string, string> = {},
  /** Run it with at most this many open files (`ulimit -n`). */
  opts: { fdLimit?: number } = {},
): Promise<DaemonProcess> {
  // A command run before (create, set, up) started one in the background, as the CLI does:
  // it is stopped, the CLI's own way, so that this one can hold the home.
  if (existsSync(join(sb.config.sockDir, "daemon.json"))) {
    const stopped = Bun.spawnSync([process.execPath, MAIN, "daemon", "stop"], {
      env: { ...process.env, ...sb.env },
    });
    if (stopped.exitCode !== 0)
      throw new Error(`the background daemon did not stop: ${stopped.stderr.toString()}`);
  }
  const argv = [process.execPath, MAIN, "daemon"];
  const command = opts.fdLimit
    ? ["sh", "-c", `ulimit -n ${opts.fdLimit} && exec "$@"`, "sh", ...argv]
    : argv;
  const proc = Bun.spawn(command, {
    env: { ...process.env, ...sb.env, IAPEER_PORT: "0", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  running.add(proc);
  const infoPath = join(sb.config.sockDir, "daemon.json");
  for (let i = 0; i < 200; i++) {
    if (existsSync(infoPath)) {
      const info = JSON.parse(readFileSync(infoPath, "utf8")) as DaemonInfo;
      if (info.pid === proc.pid) {
        return {
          proc,
          info,
          async api<T>(method: string, path: string, body?: unknown) {
            const res = await fetch(`http://localhost${path}`, {
              method,
              unix: info.socket,
              ...(body !== undefined && {
                body: JSON.stringify(body),
                headers: { "content-type": "application/json" },
              }),
            });
            return { status: res.status, body: (await res.json()) as T };
          },
          async stop(signal: NodeJS.Signals = "SIGTERM") {
            proc.kill(signal);
            const code = await proc.exited;
            running.delete(proc);
            return code;
          },
        };
      }
    }
    if (proc.exitCode !== null) break;
    await Bun.sleep(25);
  }
  const err = await new Response(proc.stderr).text();
  throw new Error(`the daemon did not start: ${err}`);
}

/** Stop every daemon a test started, by pid (test/setup.ts). */
export async function cleanupDaemons(): Promise<void> {
  for (const proc of running) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
  running.clear();
}
