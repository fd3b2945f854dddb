import { fail, ok, type Result } from "../core/result";
import type { DaemonInfo } from "./info";

/**
 * The header that carries the caller's own IAPEER_SERVICE_MANAGER: a restart or remove asked
 * under `none` must not have the daemon call systemctl because it was started otherwise.
 */
export const SERVICE_MANAGER_HEADER = "x-iapeer-service-manager";

/** Call the running daemon's JSON API over its unix socket (the local user needs no token). */
export async function callDaemon<T>(
  daemon: DaemonInfo,
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<Result<T>> {
  let res: Response;
  try {
    res = await fetch(`http://localhost${path}`, {
      method,
      unix: daemon.socket,
      headers: {
        ...extraHeaders,
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
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
