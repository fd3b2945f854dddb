/** A build of iapeer: its version and the commit it was built from (`source` from source). */
interface Build {
  version: string;
  /** Absent in the daemon.json of daemons older than the field. */
  commit?: string;
}

/** Compare dotted numeric versions (`0.10.0` > `0.9.1`); a pre-release tail is ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (v.split("-")[0] ?? "").split(".").map((n) => Number(n) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

const named = (b: Build): string => `${b.version}${b.commit ? ` (${b.commit})` : ""}`;

/**
 * How a running daemon differs from this binary, in words, or undefined when it runs this very
 * build. After an upgrade the daemon keeps running the old binary until it restarts.
 */
export function daemonBuildDiffers(daemon: Build, self: Build): string | undefined {
  const order = compareVersions(daemon.version, self.version);
  if (order < 0) return `older than this binary's ${named(self)}`;
  if (order > 0) return `newer than this binary's ${named(self)}`;
  if (daemon.commit === undefined) return `an older build than this binary's ${named(self)}`;
  if (daemon.commit !== self.commit) return `another build than this binary's ${named(self)}`;
  return undefined;
}
