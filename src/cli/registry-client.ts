import { askDaemon } from "./daemon-client";
import { actionError, usageError } from "./exit-codes";

/**
 * Ask the daemon for a change of the registry (create, init, set, edit, up). Its refusal is
 * this command's error: bad input (`badInput`) exits 2, anything else 1.
 */
export async function askRegistry<T extends object>(
  path: string,
  body: unknown,
  opts: { untimed?: boolean } = {},
): Promise<T> {
  const r = await askDaemon<T & { error?: unknown; badInput?: boolean }>("POST", path, body, opts);
  if (typeof r.error === "string") throw r.badInput ? usageError(r.error) : actionError(r.error);
  return r;
}
