import { join } from "node:path";
import { OWNER_MARK, type ServiceSpec } from "./spec";

export const unitName = (spec: Pick<ServiceSpec, "name">): string => `iapeer-${spec.name}.service`;
export const unitPath = (dir: string, spec: Pick<ServiceSpec, "name">): string =>
  join(dir, unitName(spec));

/** The key that marks a unit as iapeer's (systemd ignores `X-` keys). */
const UNIT_OWNER_KEY = "X-Iapeer-Managed-By";

/** A crash loop faster than this many starts in the interval stops the unit for good. */
const START_LIMIT_BURST = 10;
const START_LIMIT_INTERVAL_SECS = 300;

/** Quote one word for ExecStart=: systemd splits on spaces and honours double quotes. */
function execWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `"${word.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$/g, "$$$$").replace(/%/g, "%%")}"`;
}

/** One Environment= assignment, quoted; `%` is a specifier in unit files and must be doubled. */
function envAssignment(key: string, value: string): string {
  return `"${`${key}=${value}`.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;
}

/** A systemd user unit. Pure: the same spec always gives the same text. */
export function renderUnit(spec: ServiceSpec): string {
  const env = Object.keys(spec.env)
    .sort()
    .map((k) => `Environment=${envAssignment(k, spec.env[k] as string)}`)
    .join("\n");
  return `[Unit]
Description=${spec.description}
StartLimitIntervalSec=${START_LIMIT_INTERVAL_SECS}
StartLimitBurst=${START_LIMIT_BURST}
${UNIT_OWNER_KEY}=${OWNER_MARK}

[Service]
Type=simple
ExecStart=${spec.argv.map(execWord).join(" ")}
WorkingDirectory=${spec.workingDirectory.replace(/%/g, "%%")}
${env}
Restart=always
RestartSec=${Math.trunc(spec.throttleSecs)}
${spec.kind === "daemon" ? "# Restarting the daemon must not take down the warm peers' tmux servers it started.\nKillMode=process\n" : ""}StandardOutput=append:${spec.stdoutPath.replace(/%/g, "%%")}
StandardError=append:${spec.stderrPath.replace(/%/g, "%%")}

[Install]
WantedBy=default.target
`;
}

export function unitIsOurs(text: string): boolean {
  return text.includes(`\n${UNIT_OWNER_KEY}=`);
}
