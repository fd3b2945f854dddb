import { fail, ok, type Result } from "../core/result";
import type { DaemonInfo } from "./info";

/** Call the running daemon's JSON API over its unix socket (the local user needs no token). */
export async function callDaemon<T>(
  daemon: DaemonInfo,
  method: string,
  path: string,
  body?: unknown,
): Promise<Result<T>> {
  let res: Response;
  try {
    res = await fetch(`http://localhost${path}`, {
      method,
      unix: daemon.socket,
      ...(body !== undefined && {
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      }),
    });
  } catch (error) {
    return fail(
      `the daemon (pid ${daemon.pid}) did not answer on ${daemon.socket}: ${(error as Error).message}`,
    );
  }
  const text = await res.text();
  try {
    return ok(JSON.parse(text) as T);
  } catch {
    return fail(
      `the daemon answered ${res.status} with something that is not JSON: ${text.slice(0, 200)}`,
    );
  }
}
