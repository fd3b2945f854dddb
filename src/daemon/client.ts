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
    const body = JSON.parse(text) as T & { error?: unknown };
    // The daemon could not do it (the disk full, say): its one-line reason, as a failure.
    if (res.status >= 500 && typeof body.error === "string") return fail(body.error);
    return ok(body);
  } catch {
    return fail(
      `the daemon answered ${res.status} with something that is not JSON: ${text.slice(0, 200)}`,
    );
  }
}
