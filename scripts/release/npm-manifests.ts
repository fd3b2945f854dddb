import type { ReleaseTarget } from "./targets";

/**
 * The npm packages of a release, in the esbuild/biome pattern: `iapeer` is a small launcher
 * whose optional dependencies are one package per platform, each holding that platform's binary;
 * npm installs only the one whose `os`/`cpu` match the machine. Pure: the same inputs give the
 * same manifests and script.
 */
export const LAUNCHER_NAME = "iapeer";
export const platformPackageName = (t: Pick<ReleaseTarget, "name">): string => `@iapeer/${t.name}`;

const DESCRIPTION = "Keeps a team of AI agents on one host always reachable";

export function platformManifest(t: ReleaseTarget, version: string): Record<string, unknown> {
  return {
    name: platformPackageName(t),
    version,
    description: `The iapeer binary for ${t.os} ${t.cpu}: installed by the iapeer package`,
    license: "MIT",
    os: [t.os],
    cpu: [t.cpu],
    // Bun's linux binaries link against glibc.
    ...(t.os === "linux" ? { libc: ["glibc"] } : {}),
    files: ["bin/iapeer"],
    preferUnplugged: true,
  };
}

export function launcherManifest(
  targets: readonly ReleaseTarget[],
  version: string,
): Record<string, unknown> {
  return {
    name: LAUNCHER_NAME,
    version,
    description: DESCRIPTION,
    license: "MIT",
    bin: { iapeer: "bin/iapeer.js" },
    files: ["bin/iapeer.js", "README.md"],
    engines: { node: ">=18" },
    // Exact versions: the launcher and the binary come from the same release.
    optionalDependencies: Object.fromEntries(targets.map((t) => [platformPackageName(t), version])),
  };
}

/**
 * The launcher: find this platform's package and run its binary with the same arguments, stdio
 * and exit status. SIGINT is not forwarded: a terminal sends it to both processes already.
 */
export function launcherScript(targets: readonly ReleaseTarget[]): string {
  const names = targets.map((t) => t.name).join(", ");
  return `#!/usr/bin/env node
"use strict";
const { spawn } = require("node:child_process");

const platform = \`\${process.platform}-\${process.arch}\`;
const pkg = \`@iapeer/\${platform}\`;
let binary;
try {
  binary = require.resolve(\`\${pkg}/bin/iapeer\`);
} catch {
  console.error(
    \`iapeer: no binary for \${platform}: \${pkg} is not installed. iapeer ships for ${names}; reinstall without --omit=optional (npm install -g iapeer)\`,
  );
  process.exit(1);
}
const child = spawn(binary, process.argv.slice(2), { stdio: "inherit" });
process.on("SIGINT", () => {});
for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("error", (error) => {
  console.error(\`iapeer: cannot run \${binary}: \${error.message}\`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal === null) process.exit(code === null ? 1 : code);
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
});
`;
}

export function launcherReadme(version: string): string {
  return `# iapeer

${DESCRIPTION}: each agent in its own tmux session, a router daemon that stores and delivers
messages, and the OS service manager to keep the always-on ones running.

\`\`\`sh
npm install -g iapeer     # or: npx iapeer doctor
iapeer doctor             # is this host ready? (needs tmux ≥ 3.3)
iapeer selftest
\`\`\`

This package (${version}) is a small launcher: npm installs the binary for your platform as one
of its optional dependencies (\`@iapeer/<os>-<arch>\`). No Bun is needed.
`;
}
