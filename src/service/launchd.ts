import { join } from "node:path";
import { OWNER_MARK, type ServiceSpec } from "./spec";

/** `com.iapeer.daemon`, `com.iapeer.<identity>`. */
export const launchdLabel = (spec: Pick<ServiceSpec, "name">): string => `com.iapeer.${spec.name}`;
export const plistPath = (dir: string, spec: Pick<ServiceSpec, "name">): string =>
  join(dir, `${launchdLabel(spec)}.plist`);

/** The key that marks a plist as iapeer's: it never rewrites or removes one without it. */
const PLIST_OWNER_KEY = "IapeerManagedBy";

function xml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[ch] ?? ch,
  );
}

const str = (value: string) => `<string>${xml(value)}</string>`;

/** A LaunchAgent plist. Pure: the same spec always gives the same text. */
export function renderPlist(spec: ServiceSpec): string {
  const env = Object.keys(spec.env)
    .sort()
    .map((k) => `\t\t<key>${xml(k)}</key>\n\t\t${str(spec.env[k] as string)}`)
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>Label</key>
\t${str(launchdLabel(spec))}
\t<key>ProgramArguments</key>
\t<array>
${spec.argv.map((a) => `\t\t${str(a)}`).join("\n")}
\t</array>
\t<key>WorkingDirectory</key>
\t${str(spec.workingDirectory)}
\t<key>EnvironmentVariables</key>
\t<dict>
${env}
\t</dict>
\t<key>RunAtLoad</key>
\t<true/>
\t<key>KeepAlive</key>
\t<true/>
\t<key>ThrottleInterval</key>
\t<integer>${Math.trunc(spec.throttleSecs)}</integer>
\t<key>ProcessType</key>
\t<string>Background</string>
\t<key>StandardOutPath</key>
\t${str(spec.stdoutPath)}
\t<key>StandardErrorPath</key>
\t${str(spec.stderrPath)}
\t<key>${PLIST_OWNER_KEY}</key>
\t${str(OWNER_MARK)}
</dict>
</plist>
`;
}

/** Whether a plist's text is one iapeer wrote. */
export function plistIsOurs(text: string): boolean {
  return text.includes(`<key>${PLIST_OWNER_KEY}</key>`);
}
