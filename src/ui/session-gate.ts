import { sameSecret, type UiLogins, type UiSession } from "./auth";

/**
 * The dashboard's door on the loopback listener. A browser is a confused deputy: any page it
 * shows may make it call 127.0.0.1. So a request needs this daemon's session cookie, a Host
 * naming the loopback address and this port (a rebound DNS name is refused), and a change needs
 * the session's CSRF token in a header and a same-origin Origin. No CORS headers are ever sent.
 */

const CSRF_HEADER = "x-iapeer-csrf";

/** Per port: two homes' daemons on one machine keep their sessions apart (cookies ignore ports). */
export const cookieName = (port: number) => `iapeer_ui_${port}`;

/** Headers on every dashboard answer: a strict CSP (no inline script or style), no framing. */
export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

/**
 * The peer page's terminal (xterm.js) sizes and colours its cells with inline styles: styles
 * only, never scripts, are allowed inline there.
 */
export const PEER_PAGE_CSP = (SECURITY_HEADERS["content-security-policy"] as string).replace(
  "style-src 'self'",
  "style-src 'self' 'unsafe-inline'",
);

export function refusal(status: number, error: string): Response {
  return Response.json(
    { error },
    { status, headers: { ...SECURITY_HEADERS, connection: "close" } },
  );
}

/** The origins this dashboard is served from: the loopback address and port, by IP or name. */
export function ownOrigins(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Refused before anything else: a foreign Host (DNS rebinding), or a cross-site fetch. */
export function hostRefusal(req: Request, port: number): Response | undefined {
  const host = (req.headers.get("host") ?? "").toLowerCase();
  if (!ownOrigins(port).includes(host))
    return refusal(421, `this dashboard answers only to ${ownOrigins(port).join(" or ")}`);
  // Browsers say where a request comes from; another site's page is never let in.
  if (req.headers.get("sec-fetch-site") === "cross-site")
    return refusal(403, "cross-site requests are refused");
  return undefined;
}

/**
 * What a page asked for without a session gets: sessions live in the daemon's memory, so a
 * reload after a daemon restart (or an expired session) lands here, and a person needs a page
 * that says what to do, not the API's JSON.
 */
export function signedOutPage(): Response {
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>iapeer: signed out</title></head>
<body>
<h1>This dashboard session has ended</h1>
<p>The daemon was restarted, or the session expired. Run <code>iapeer ui</code> for a new login link.</p>
</body>
</html>
`;
  return new Response(html, {
    status: 401,
    headers: { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8" },
  });
}

type Admission = { ok: true; session: UiSession } | { ok: false; response: Response };

/** A request past the login: its session, or why it is refused. */
export function admit(req: Request, port: number, logins: UiLogins): Admission {
  const session = logins.session(readCookie(req, cookieName(port)));
  if (!session)
    return {
      ok: false,
      response: refusal(401, "no dashboard session: run `iapeer ui` for a login link"),
    };
  if (req.method === "GET" || req.method === "HEAD") return { ok: true, session };
  if (req.method !== "POST") return { ok: false, response: refusal(405, "GET or POST only") };
  const origin = req.headers.get("origin") ?? "";
  const host = (req.headers.get("host") ?? "").toLowerCase();
  if (origin !== `http://${host}`)
    return { ok: false, response: refusal(403, "a change needs a same-origin Origin header") };
  if (!sameSecret(req.headers.get(CSRF_HEADER) ?? "", session.csrf))
    return { ok: false, response: refusal(403, `a change needs the ${CSRF_HEADER} header`) };
  return { ok: true, session };
}
