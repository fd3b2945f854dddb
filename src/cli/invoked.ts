import { realpathSync } from "node:fs";
import { isAbsolute, relative } from "node:path";

const same = (a: string, b: string): boolean => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
};

/** A path as the person would type it from here: relative when below the current folder. */
function typed(path: string): string {
  const rel = relative(process.cwd(), path);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return path;
  return rel.includes("/") ? rel : `./${rel}`;
}

/**
 * How to run this iapeer again from the same shell, for hints that name a command to type:
 * `iapeer` when that is what PATH finds, else the binary's path (`./dist/iapeer`), or bun and
 * the entry file when running from source.
 */
export function invokedAs(): string {
  const compiled = import.meta.url.includes("$bunfs") || import.meta.url.includes("~BUN");
  const self = compiled ? process.execPath : (process.argv[1] ?? "");
  const onPath = Bun.which("iapeer");
  if (onPath && same(onPath, self)) return "iapeer";
  if (compiled) return typed(self);
  const bun = Bun.which("bun");
  return `${bun && same(bun, process.execPath) ? "bun" : process.execPath} ${typed(self)}`;
}
