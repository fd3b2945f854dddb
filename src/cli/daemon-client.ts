import { existsSync, openSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../core/config";
import { ensureLayout, type Layout, layoutOf } from "../core/paths";
import { iapeerArgv } from "../core/self";
import { callDaemon, SERVICE_MANAGER_HEADER } from "../daemon/client";
import { type DaemonInfo, runningDaemon } from "../daemon/info";
import { daemonSettings, describeDifferences, settingsDiffer } from "../daemon/settings";
import { actionError } from "./exit-codes";
import { consola } from "./log";
import { requireConfig } from "./need-config";

/**
 * The CLI is a client of the daemon, which owns the sessions, the queue and the deaths: a
 * command asks it over the unix socket and starts it in the background when none runs. This
 * file loads neither the database nor tmux.
 */

/** How long a started daemon may take to answer (a busy machine, a big database to check). */
const START_WAIT_MS = 20_000;

let warned = false;

/** Say once per command when the running daemon was started with other IAPEER_* settings. */
function warnOnOtherSettings(config: Config, info: DaemonInfo): void {
  if (warned || !info.settings) return;
  warned = true;
  // The service manager is not among them: the daemon takes this command's (askDaemon sends it).
  const diffs = settingsDiffer(daemonSettings(config), info.settings).filter(
    (d) => d.name !== "IAPEER_SERVICE_MANAGER",
  );
  if (diffs.length > 0) consola.warn(describeDifferences(info.pid, diffs));
}

/** The last line the daemon wrote to its log since `from`: why it did not start. */
function lastWords(logPath: string, from: number): string | undefined {
  try {
    const said = readFileSync(logPath).subarray(from).toString().trim().split("\n").at(-1);
    return said?.replace(/^iapeer: /, "") || undefined;
  } catch {
    return undefined;
  }
}

/** Start the daemon in the background, in a process group of its own (a Ctrl-C here spares it). */
async function startInBackground(config: Config, layout: Layout): Promise<DaemonInfo> {
  const logPath = join(layout.logsDir, "daemon.out.log");
  const from = existsSync(logPath) ? statSync(logPath).size : 0;
  const log = openSync(logPath, "a", 0o600);
  const proc = Bun.spawn([...iapeerArgv(), "daemon"], {
    stdio: ["ignore", log, log],
    env: { ...config.env },
    detached: true,
  });
  proc.unref();
  const deadline = Date.now() + START_WAIT_MS;
  let exitedAt: number | undefined;
  for (let pause = 10; Date.now() < deadline; pause = Math.min(pause * 2, 100)) {
    const info = runningDaemon(layout);
    if (info) return info;
    if (proc.exitCode !== null) {
      // Another command may have started one at the same moment: this one lost the claim.
      const said = lastWords(logPath, from) ?? "";
      if (!/already running/.test(said)) break;
      exitedAt ??= Date.now();
      if (Date.now() - exitedAt > 5000) break;
    }
    await Bun.sleep(pause);
  }
  const why = lastWords(logPath, from);
  throw actionError(`the daemon did not start${why ? `: ${why}` : ""} (its log: ${logPath})`);
}

/** Ask the service manager that holds the daemon to start it, and wait for it to answer. */
async function startByServiceManager(argv: string[], layout: Layout): Promise<DaemonInfo> {
  const { runCommand } = await import("../service/runner");
  const res = runCommand(argv);
  if (res.code !== 0)
    throw actionError(
      `the daemon is installed as a service, and ${argv.join(" ")} failed (exit ${res.code}): ${res.stderr.trim()}`,
    );
  const deadline = Date.now() + START_WAIT_MS;
  while (Date.now() < deadline) {
    const info = runningDaemon(layout);
    if (info) return info;
    await Bun.sleep(50);
  }
  throw actionError(
    `${argv.join(" ")} succeeded, but the daemon did not answer within ${START_WAIT_MS / 1000} s; see \`iapeer service status --daemon\``,
  );
}

/**
 * The running daemon of this home, started when none runs: by its service manager when it is
 * installed as a service, else in the background.
 */
export async function daemonFor(config: Config = requireConfig()): Promise<DaemonInfo> {
  const layout = layoutOf(config);
  const running = runningDaemon(layout);
  if (running) {
    warnOnOtherSettings(config, running);
    return running;
  }
  const made = ensureLayout(layout, config.uid);
  if (!made.ok) throw actionError(made.error);
  // Loaded only here: a running daemon is found without the service modules.
  const { daemonServiceArgv } = await import("../service/daemon-service");
  const managed = daemonServiceArgv(config, "start");
  const starting = () =>
    managed ? startByServiceManager(managed, layout) : startInBackground(config, layout);
  if (!process.stderr.isTTY) return starting();
  const { withSpinner } = await import("./spinner");
  return withSpinner("starting the daemon…", starting);
}

/** Ask the daemon (started when none runs); its refusal or silence is this command's error. */
export async function askDaemon<T>(method: string, path: string, body?: unknown): Promise<T> {
  const config = requireConfig();
  const daemon = await daemonFor(config);
  // Set here, the service manager is this command's to choose, whatever the daemon was given.
  const manager = config.env.IAPEER_SERVICE_MANAGER
    ? { [SERVICE_MANAGER_HEADER]: config.serviceManager }
    : undefined;
  const answer = await callDaemon<T>(daemon, method, path, body, manager);
  if (!answer.ok) throw actionError(answer.error);
  return answer.value;
}
