import { statSync } from "node:fs";

/**
 * Whether an installed CLI knows a flag, read once from its `--help` per binary file (a path and
 * its modification time: an upgrade in place is seen). A CLI that cannot be asked knows nothing.
 */

const known = new Map<string, string>();

function helpText(bin: string, path: string): string {
  const file = Bun.which(bin, { PATH: path });
  if (!file) return "";
  let key: string;
  try {
    key = `${file}:${statSync(file).mtimeMs}`;
  } catch {
    return "";
  }
  let text = known.get(key);
  if (text === undefined) {
    const res = Bun.spawnSync([file, "--help"], {
      env: { PATH: path },
      stdout: "pipe",
      stderr: "ignore",
      timeout: 10_000,
    });
    text = res.success ? res.stdout.toString() : "";
    known.set(key, text);
  }
  return text;
}

export function supportsFlag(bin: string, flag: string, path: string): boolean {
  return new RegExp(`(^|[\\s,])${flag.replace(/[-]/g, "\\-")}(?![\\w-])`, "m").test(
    helpText(bin, path),
  );
}
