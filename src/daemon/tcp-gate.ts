import type { Host } from "../home/host";
import { peerForToken } from "../registry/tokens";
import { ownOrigins } from "../ui/session-gate";

/**
 * The loopback TCP listener's door. A browser on this machine can be made to call it (DNS
 * rebinding, a hostile page), so a foreign Host or Origin is refused before the token is even
 * looked at, as the MCP specification asks of a local server. Any local user can reach it, so a
 * caller then proves a peer's token before anything else happens: before the idle timeout is
 * lifted for a long send, before a body is read. The unauthenticated are answered and cut off at once (`Connection: close`),
 * and a cap on requests in flight keeps a flood from taking the file descriptors that the unix
 * socket (the local user's own way in) and the liveness checks need.
 */

/** Requests a TCP caller may have in flight at once: peers send one at a time. */
const MAX_TCP_IN_FLIGHT = 64;
/** Seconds an idle TCP connection is kept. */
export const TCP_IDLE_SECS = 10;

const closing = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  Response.json(body, { status, headers: { Connection: "close", ...headers } });

export function bearerToken(req: Request): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get("authorization") ?? "")?.[1];
}

/** The answer when too many TCP requests are in flight, whoever asks. */
export function busyRefusal(inFlight: number): Response | undefined {
  if (inFlight < MAX_TCP_IN_FLIGHT) return undefined;
  return closing(503, { error: "too many requests in flight; try again" }, { "Retry-After": "1" });
}

/**
 * A request not addressed to this listener by its loopback name (421, as the dashboard answers),
 * or sent from another origin's page (403, as the MCP specification says for a bad Origin).
 */
function foreignRequestRefusal(req: Request, port: number): Response | undefined {
  const own = ownOrigins(port);
  const host = (req.headers.get("host") ?? "").toLowerCase();
  if (!own.includes(host))
    return closing(421, { error: `this daemon answers only to ${own.join(" or ")}` });
  const origin = req.headers.get("origin");
  // A native client (an agent's MCP client, curl) sends none; a browser always does.
  if (origin !== null && !own.some((o) => origin.toLowerCase() === `http://${o}`))
    return closing(403, { error: `requests from ${origin} are refused` });
  return undefined;
}

/** The answer that turns a TCP request away, or undefined to let it in. */
export function tcpRefusal(
  req: Request,
  host: Host,
  port: number,
  inFlight: number,
): Response | undefined {
  const busy = busyRefusal(inFlight);
  if (busy) return busy;
  const foreign = foreignRequestRefusal(req, port);
  if (foreign) return foreign;
  const token = bearerToken(req);
  if (token !== undefined && peerForToken(host.store, token) !== undefined) return undefined;
  return closing(
    401,
    { error: "a peer's token is required (Authorization: Bearer <token>)" },
    {
      "WWW-Authenticate":
        token === undefined
          ? 'Bearer realm="iapeer"'
          : 'Bearer realm="iapeer", error="invalid_token"',
    },
  );
}
