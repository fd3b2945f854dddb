import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { Config } from "../core/config";
import { ensurePrivateDir, writeFileAtomic } from "../core/fs";
import { fail, ok, type Result } from "../core/result";
import { launchdLabel, plistIsOurs, plistPath, renderPlist } from "./launchd";
import type { CommandRunner } from "./runner";
import type { ServiceSpec } from "./spec";
import { renderUnit, unitIsOurs, unitName, unitPath } from "./systemd";
import { systemctlFailure } from "./user-bus";

interface ServiceFile {
  path: string;
  text: string;
}

/** The file a spec becomes under the configured manager (`none` renders the host OS's kind). */
export function serviceFile(config: Config, spec: ServiceSpec): ServiceFile {
  const launchd =
    config.serviceManager === "launchd" ||
    (config.serviceManager === "none" && config.platform === "darwin");
  return launchd
    ? { path: plistPath(config.launchAgentsDir, spec), text: renderPlist(spec) }
    : { path: unitPath(config.systemdDir, spec), text: renderUnit(spec) };
}

const isOurs = (file: ServiceFile, text: string) =>
  file.path.endsWith(".plist") ? plistIsOurs(text) : unitIsOurs(text);

export interface InstallReport {
  path: string;
  /** False when the file already had exactly this content. */
  changed: boolean;
  /** What the service manager was told, in order (empty for `none`). */
  commands: string[][];
  notes: string[];
}

/** launchctl answers this for a while after a bootout; it clears with a retry. */
const TRANSIENT_LAUNCHCTL = /Input\/output error|Bootstrap failed: 5/;

export function installService(
  config: Config,
  spec: ServiceSpec,
  run: CommandRunner,
  sleep = Bun.sleepSync,
): Result<InstallReport> {
  const file = serviceFile(config, spec);
  let changed = true;
  let previous: string | undefined;
  if (existsSync(file.path)) {
    previous = readFileSync(file.path, "utf8");
    if (!isOurs(file, previous))
      return fail(`${file.path} exists and was not written by iapeer; it is left alone`);
    changed = previous !== file.text;
  }
  if (changed) {
    const dir = ensurePrivateDir(dirname(file.path));
    if (!dir.ok) return dir;
    const wrote = writeFileAtomic(file.path, file.text, 0o644);
    if (!wrote.ok) return wrote;
  }
  const commands: string[][] = [];
  const notes: string[] = [];
  const exec = (argv: string[]) => {
    commands.push(argv);
    return run(argv);
  };
  // A manager that refused the service must not leave it looking installed: the file goes back
  // to what it was (or away), and the manager is told so.
  const refused = (error: string): Result<InstallReport> => {
    if (changed) {
      if (previous === undefined) rmSync(file.path, { force: true });
      else writeFileAtomic(file.path, previous, 0o644);
      if (config.serviceManager === "systemd") run(["systemctl", "--user", "daemon-reload"]);
    }
    return fail(error);
  };
  if (config.serviceManager === "launchd") {
    const domain = `gui/${config.uid}`;
    // Bootstrapping a loaded service fails (with the same EIO as the transient error): an
    // unchanged, loaded service is left as it is.
    if (!changed && exec(["launchctl", "print", `${domain}/${launchdLabel(spec)}`]).code === 0) {
      return ok({ path: file.path, changed, commands, notes });
    }
    if (changed) exec(["launchctl", "bootout", `${domain}/${launchdLabel(spec)}`]);
    let res = exec(["launchctl", "bootstrap", domain, file.path]);
    for (
      let attempt = 1;
      attempt < 5 && res.code !== 0 && TRANSIENT_LAUNCHCTL.test(res.stderr);
      attempt++
    ) {
      sleep(500 * attempt);
      res = exec(["launchctl", "bootstrap", domain, file.path]);
    }
    // Already loaded with this very file is fine.
    if (
      res.code !== 0 &&
      !/already (loaded|bootstrapped)|service already/i.test(res.stderr) &&
      !(res.code === 37 || res.code === 17)
    ) {
      return refused(
        `launchctl bootstrap ${domain} ${file.path} failed (exit ${res.code}): ${res.stderr}`,
      );
    }
  } else if (config.serviceManager === "systemd") {
    const reloadArgv = ["systemctl", "--user", "daemon-reload"];
    const reload = exec(reloadArgv);
    if (reload.code !== 0) return refused(systemctlFailure(reloadArgv, reload));
    const enableArgv = ["systemctl", "--user", "enable", "--now", unitName(spec)];
    const enable = exec(enableArgv);
    if (enable.code !== 0) return refused(systemctlFailure(enableArgv, enable));
    if (changed) exec(["systemctl", "--user", "restart", unitName(spec)]);
    const linger = run(["loginctl", "show-user", String(config.uid), "-p", "Linger", "--value"]);
    if (linger.code === 0 && linger.stdout.trim() === "no") {
      notes.push(
        `lingering is off: the service stops when you log out; \`loginctl enable-linger ${config.env.USER ?? String(config.uid)}\` keeps it running`,
      );
    }
  }
  return ok({ path: file.path, changed, commands, notes });
}

export function uninstallService(
  config: Config,
  spec: ServiceSpec,
  run: CommandRunner,
): Result<{ path: string; removed: boolean; commands: string[][] }> {
  const file = serviceFile(config, spec);
  const commands: string[][] = [];
  if (!existsSync(file.path)) return ok({ path: file.path, removed: false, commands });
  if (!isOurs(file, readFileSync(file.path, "utf8")))
    return fail(`${file.path} was not written by iapeer; it is left alone`);
  if (config.serviceManager === "launchd") {
    const argv = ["launchctl", "bootout", `gui/${config.uid}/${launchdLabel(spec)}`];
    commands.push(argv);
    run(argv);
  } else if (config.serviceManager === "systemd") {
    const argv = ["systemctl", "--user", "disable", "--now", unitName(spec)];
    commands.push(argv);
    run(argv);
  }
  rmSync(file.path, { force: true });
  if (config.serviceManager === "systemd") {
    const argv = ["systemctl", "--user", "daemon-reload"];
    commands.push(argv);
    run(argv);
  }
  return ok({ path: file.path, removed: true, commands });
}

/**
 * Have the manager restart an installed service now (a fresh process, and for a peer a fresh
 * session). Returns what it was told.
 */
export function restartService(
  config: Config,
  spec: ServiceSpec,
  run: CommandRunner,
): Result<string[]> {
  const file = serviceFile(config, spec);
  if (config.serviceManager === "none")
    return fail(
      "IAPEER_SERVICE_MANAGER=none: no service manager runs it, so nothing would start it again",
    );
  if (!existsSync(file.path)) return fail(`its service is not installed (${file.path})`);
  const argv =
    config.serviceManager === "launchd"
      ? ["launchctl", "kickstart", "-k", `gui/${config.uid}/${launchdLabel(spec)}`]
      : ["systemctl", "--user", "restart", unitName(spec)];
  const res = run(argv);
  if (res.code !== 0)
    return fail(`${argv.join(" ")} failed (exit ${res.code}): ${res.stderr.trim()}`);
  return ok(argv);
}

interface ServiceStatus {
  name: string;
  manager: string;
  path: string;
  installed: boolean;
  loaded?: boolean;
  active?: boolean;
  pid?: number;
  lastExitStatus?: number;
  restarts?: number;
}

export function serviceStatus(
  config: Config,
  spec: ServiceSpec,
  run: CommandRunner,
): ServiceStatus {
  const file = serviceFile(config, spec);
  const status: ServiceStatus = {
    name: spec.name,
    manager: config.serviceManager,
    path: file.path,
    installed: existsSync(file.path),
  };
  if (config.serviceManager === "launchd") {
    const res = run(["launchctl", "print", `gui/${config.uid}/${launchdLabel(spec)}`]);
    status.loaded = res.code === 0;
    if (res.code === 0) {
      const pid = /^\s*pid = (\d+)/m.exec(res.stdout);
      const last = /^\s*last exit code = (-?\d+)/m.exec(res.stdout);
      const runs = /^\s*runs = (\d+)/m.exec(res.stdout);
      status.active = /^\s*state = running/m.test(res.stdout);
      if (pid) status.pid = Number(pid[1]);
      if (last) status.lastExitStatus = Number(last[1]);
      if (runs) status.restarts = Math.max(0, Number(runs[1]) - 1);
    }
  } else if (config.serviceManager === "systemd") {
    const res = run([
      "systemctl",
      "--user",
      "show",
      unitName(spec),
      "-p",
      "LoadState,ActiveState,MainPID,ExecMainStatus,NRestarts",
    ]);
    if (res.code === 0) {
      const props = Object.fromEntries(
        res.stdout
          .trim()
          .split("\n")
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      status.loaded = props.LoadState === "loaded";
      status.active = props.ActiveState === "active";
      if (Number(props.MainPID) > 0) status.pid = Number(props.MainPID);
      if (props.ExecMainStatus !== undefined && props.ExecMainStatus !== "")
        status.lastExitStatus = Number(props.ExecMainStatus);
      if (props.NRestarts !== undefined && props.NRestarts !== "")
        status.restarts = Number(props.NRestarts);
    }
  }
  return status;
}
