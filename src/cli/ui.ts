import { defineCommand } from "citty";
import { layoutOf } from "../core/paths";
import { callDaemon } from "../daemon/client";
import { runningDaemon } from "../daemon/info";
import { daemonFor } from "./daemon-client";
import { actionError } from "./exit-codes";
import { consola } from "./log";
import { requireConfig } from "./need-config";
import { printJson } from "./output";
import { jsonArg } from "./peer-arg";

/** The command that shows a URL on this desktop, or undefined when there is no desktop. */
function opener(platform: string, env: Readonly<Record<string, string>>): string | undefined {
  if (platform === "darwin") return "open";
  if (env.DISPLAY || env.WAYLAND_DISPLAY) return Bun.which("xdg-open") ?? undefined;
  return undefined;
}

export default defineCommand({
  meta: {
    name: "ui",
    description: "Open the live dashboard: a one-time login link to the daemon's loopback port",
  },
  args: {
    open: {
      type: "boolean",
      default: true,
      description: "Open the link in a browser when there is a desktop",
      negativeDescription: "Only print the link",
    },
    json: jsonArg,
  },
  async run({ args }) {
    const config = requireConfig();
    // A daemon started with IAPEER_PORT=0 could serve no dashboard: say so, start nothing.
    if (config.port === 0 && !runningDaemon(layoutOf(config)))
      throw actionError(
        "the dashboard is served on the daemon's loopback port, and IAPEER_PORT=0 turns it off: unset IAPEER_PORT or give it a port",
      );
    const daemon = await daemonFor(config);
    const login = await callDaemon<{ url?: string; error?: string }>(
      daemon,
      "POST",
      "/v1/ui/login",
    );
    if (!login.ok) throw actionError(login.error);
    const url = login.value.url;
    if (!url) throw actionError(login.value.error ?? "the daemon gave no login link");
    const open = args.open ? opener(config.platform, config.env) : undefined;
    if (open) {
      const proc = Bun.spawn([open, url], { stdio: ["ignore", "ignore", "ignore"] });
      proc.unref();
    }
    if (args.json) return printJson({ ok: true, url, opened: open !== undefined });
    console.log(url);
    consola.info(
      `${open ? "opened in your browser; " : ""}the link works once, for 5 minutes; a restarted daemon asks for a new one (run \`iapeer ui\` again)`,
    );
  },
});
