import { defineCommand } from "citty";
import { startDaemon } from "../daemon/run";
import { requireHost } from "./context";
import { daemonCommands } from "./daemon-control";
import { actionError } from "./exit-codes";
import { consola } from "./log";

export default defineCommand({
  meta: {
    name: "daemon",
    description:
      "Run the router in the foreground (service managers run it this way); or start, stop, restart it in the background, or ask its status",
  },
  subCommands: daemonCommands,
  async run({ rawArgs }) {
    // citty runs a command's own `run` after its sub-command's: only a bare `daemon` serves.
    if (rawArgs.some((word) => !word.startsWith("-"))) return;
    // A damaged database is refused here, before anything listens or answers.
    const host = requireHost({ check: true });
    const started = await startDaemon(host);
    if (!started.ok) throw actionError(started.error);
    const { info } = started;
    consola.success(
      `iapeer daemon ${info.version} (pid ${info.pid}) on ${info.socket}${info.port ? ` and 127.0.0.1:${info.port}` : ""}`,
    );
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        consola.info(`${signal}: finishing in-flight deliveries, then stopping`);
        void started.stop().then(resolve);
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    });
    host.store.close();
  },
});
