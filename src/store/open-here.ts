import { resolve } from "node:path";

/**
 * The database files this process has an SQLite connection to. SQLite's locks are POSIX
 * advisory locks, and closing any descriptor of a file drops all of this process's locks on
 * it: while a connection is open, nothing else in the process may open and close its files.
 */
const open = new Map<string, number>();

export function markOpen(path: string): void {
  const key = resolve(path);
  open.set(key, (open.get(key) ?? 0) + 1);
}

export function markClosed(path: string): void {
  const key = resolve(path);
  const n = (open.get(key) ?? 0) - 1;
  if (n > 0) open.set(key, n);
  else open.delete(key);
}

export function isOpenHere(path: string): boolean {
  return open.has(resolve(path));
}
