import { existsSync, openSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type DaemonInfo, runningDaemon } from "../daemon/info";
import type { Host } from "../lifecycle/context";
import { actionError } from "./exit-codes";

/** The daemon, started in the background when none runs (it outlives this command). */
export async function ensureDaemon(host: Host): Promise<DaemonInfo> {
  const running = runningDaemon(host.layout);
  if (running) return running;
  const logPath = join(host.layout.logsDir, "daemon.out.log");
  const from = existsSync(logPath) ? statSync(logPath).size : 0;
  const log = openSync(logPath, "a", 0o600);
  const proc = Bun.spawn([...host.iapeer, "daemon"], {
    stdio: ["ignore", log, log],
    env: { ...host.config.env },
  });
  proc.unref();
  for (let i = 0; i < 200; i++) {
    const info = runningDaemon(host.layout);
    if (info) return info;
    if (proc.exitCode !== null) break;
    await Bun.sleep(50);
  }
  // Say why here, on this command's stderr: the daemon's own last words are in its log.
  const said = readFileSync(logPath).subarray(from).toString().trim().split("\n").at(-1);
  const why = said?.replace(/^iapeer: /, "");
  throw actionError(`the daemon did not start${why ? `: ${why}` : ""} (its log: ${logPath})`);
}
