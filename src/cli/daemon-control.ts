import { defineCommand } from "citty";
import type { Config } from "../core/config";
import { layoutOf } from "../core/paths";
import { type DaemonInfo, daemonRuns, runningDaemon } from "../daemon/info";
import { daemonServiceArgv } from "../service/daemon-service";
import { runCommand } from "../service/runner";
import { daemonFor } from "./daemon-client";
import { actionError, EXIT } from "./exit-codes";
import { consola } from "./log";
import { requireConfig } from "./need-config";
import { printJson } from "./output";
import { jsonArg } from "./peer-arg";
import { withSpinner } from "./spinner";

/** How long a stopping daemon may take to finish what it is typing. */
const STOP_WAIT_MS = 60_000;

function describe(info: DaemonInfo): string {
  return `daemon ${info.version} up, pid ${info.pid}, since ${info.startedAt}, on ${info.socket}${info.port ? ` and 127.0.0.1:${info.port}` : ""}`;
}

/** Tell the service manager, when one holds the daemon; false when none does. */
function viaServiceManager(config: Config, action: "start" | "stop" | "restart"): boolean {
  const argv = daemonServiceArgv(config, action);
  if (!argv) return false;
  const res = runCommand(argv);
  if (res.code !== 0)
    throw actionError(`${argv.join(" ")} failed (exit ${res.code}): ${res.stderr.trim()}`);
  return true;
}

async function until<T>(what: () => T | undefined, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = what();
    if (got !== undefined || Date.now() > deadline) return got;
    await Bun.sleep(50);
  }
}

/** Stop the running daemon (SIGTERM: it finishes what it is typing; queued messages stay). */
export async function stopDaemon(config: Config): Promise<number | undefined> {
  const layout = layoutOf(config);
  const running = runningDaemon(layout);
  if (!running) return undefined;
  if (!viaServiceManager(config, "stop")) process.kill(running.pid, "SIGTERM");
  // Gone means the process has exited, not only its daemon.json: until then it may still be
  // closing the database, which a command run right after (`verify --fix`, a backup) must not race.
  // An exited daemon that its parent has not reaped yet (a zombie) is gone.
  const gone = await withSpinner(`stopping the daemon (pid ${running.pid})…`, () =>
    until(() => (daemonRuns(running) ? undefined : true), STOP_WAIT_MS),
  );
  if (!gone)
    throw actionError(
      `the daemon (pid ${running.pid}) did not stop within ${STOP_WAIT_MS / 1000} s; \`kill -9 ${running.pid}\` ends it, and what it was typing is tried again by the next daemon`,
    );
  return running.pid;
}

/** daemonFor starts it: through its service manager when installed, else in the background. */
const startDaemon = (config: Config): Promise<DaemonInfo> => daemonFor(config);

const start = defineCommand({
  meta: { name: "start", description: "Start the daemon in the background (if it is not running)" },
  args: { json: jsonArg },
  async run({ args }) {
    const config = requireConfig();
    const before = runningDaemon(layoutOf(config));
    const info = before ?? (await startDaemon(config));
    if (args.json) return printJson({ ok: true, started: !before, ...info });
    if (before) consola.info(`already running: ${describe(info)}`);
    else consola.success(describe(info));
  },
});

const stop = defineCommand({
  meta: {
    name: "stop",
    description:
      "Stop the daemon: it finishes what it is typing; queued messages wait for the next",
  },
  args: { json: jsonArg },
  async run({ args }) {
    const pid = await stopDaemon(requireConfig());
    if (args.json) return printJson({ ok: true, stopped: pid !== undefined, pid: pid ?? null });
    consola.info(pid ? `stopped the daemon (pid ${pid})` : "the daemon was not running");
  },
});

const restart = defineCommand({
  meta: {
    name: "restart",
    description: "Stop the daemon and start it again (with this command's settings)",
  },
  args: { json: jsonArg },
  async run({ args }) {
    const config = requireConfig();
    let info: DaemonInfo;
    if (runningDaemon(layoutOf(config)) && viaServiceManager(config, "restart")) {
      const layout = layoutOf(config);
      const old = runningDaemon(layout)?.pid;
      const found = await withSpinner("waiting for the restarted daemon…", () =>
        until(() => {
          const now = runningDaemon(layout);
          return now && now.pid !== old ? now : undefined;
        }, 60_000),
      );
      if (!found)
        throw actionError("the service manager restarted the daemon, but it did not answer");
      info = found;
    } else {
      await stopDaemon(config);
      info = await startDaemon(config);
    }
    if (args.json) return printJson({ ok: true, ...info });
    consola.success(describe(info));
  },
});

const status = defineCommand({
  meta: { name: "status", description: "Is the daemon running? (exit 3 when it is not)" },
  args: { json: jsonArg },
  run({ args }) {
    const info = runningDaemon(layoutOf(requireConfig()));
    if (!info) process.exitCode = EXIT.notRunning;
    if (args.json) return printJson(info ? { up: true, ...info } : { up: false });
    if (info) console.log(describe(info));
    else console.log("daemon not running (`iapeer daemon start` starts it)");
  },
});

export const daemonCommands = { start, stop, restart, status };
