import { existsSync } from "node:fs";
import type { Config } from "../core/config";
import { layoutOf } from "../core/paths";
import { iapeerArgv } from "../core/self";
import { launchdLabel } from "./launchd";
import { serviceFile } from "./manager";
import { daemonSpec } from "./spec";
import { unitName } from "./systemd";

type DaemonAction = "start" | "stop" | "restart";

/**
 * What to tell the service manager to start, stop or restart the daemon, when one holds it (its
 * service installed and IAPEER_SERVICE_MANAGER not `none`); undefined when none does, and the
 * daemon is the CLI's to start and signal. A held daemon signalled directly would be started
 * again at once (KeepAlive, Restart=always), so it is asked of its manager.
 */
export function daemonServiceArgv(config: Config, action: DaemonAction): string[] | undefined {
  if (config.serviceManager === "none") return undefined;
  const spec = daemonSpec(config, layoutOf(config), iapeerArgv());
  const file = serviceFile(config, spec);
  if (!existsSync(file.path)) return undefined;
  if (config.serviceManager === "systemd") return ["systemctl", "--user", action, unitName(spec)];
  const target = `gui/${config.uid}`;
  if (action === "stop") return ["launchctl", "bootout", `${target}/${launchdLabel(spec)}`];
  if (action === "restart")
    return ["launchctl", "kickstart", "-k", `${target}/${launchdLabel(spec)}`];
  // After a bootout the job is gone from launchd: bootstrap loads and starts it again.
  return ["launchctl", "bootstrap", target, file.path];
}
