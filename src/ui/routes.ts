import type { Host } from "../lifecycle/context";
import { ASSETS, PAGES } from "./assets";
import type { UiLogins, UiSession } from "./auth";
import { fleet } from "./fleet";
import { admit, cookieName, hostRefusal, refusal, SECURITY_HEADERS } from "./gate";

export interface UiContext {
  host: Host;
  logins: UiLogins;
  /** The loopback listener's port: the only Host the dashboard answers to. */
  port: number;
  /** The daemon's event stream (daemon/sse.ts), unnamed events from `since`. */
  events(since: number, signal: AbortSignal, headers: Record<string, string>): Response;
  /** Lift the listener's idle timeout for this request (a long-lived event stream). */
  keepOpen(): void;
}

export const isUiPath = (path: string) => path === "/ui" || path.startsWith("/ui/");

const json = (body: unknown, status = 200) =>
  Response.json(body, { status, headers: SECURITY_HEADERS });

function page(name: string, session: UiSession): Response {
  const html = (PAGES[name] as string).replace("{{CSRF}}", session.csrf);
  return new Response(html, {
    headers: { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8" },
  });
}

function login(url: URL, ctx: UiContext): Response {
  const session = ctx.logins.redeem(url.searchParams.get("token") ?? "");
  if (!session)
    return new Response(
      "This login link was used already, or has expired. Run `iapeer ui` for a new one.\n",
      {
        status: 403,
        headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8" },
      },
    );
  const maxAge = Math.round((session.expires - Date.now()) / 1000);
  return new Response(null, {
    status: 303,
    headers: {
      ...SECURITY_HEADERS,
      location: "/ui/",
      "set-cookie": `${cookieName(ctx.port)}=${session.id}; HttpOnly; SameSite=Strict; Path=/ui; Max-Age=${maxAge}`,
    },
  });
}

/** Everything under /ui on the loopback listener: the login, then the session's pages and API. */
export async function handleUi(req: Request, ctx: UiContext): Promise<Response> {
  const refused = hostRefusal(req, ctx.port);
  if (refused) return refused;
  const url = new URL(req.url);
  const path = url.pathname;
  if (path === "/ui/login" && req.method === "GET") return login(url, ctx);
  const admitted = admit(req, ctx.port, ctx.logins);
  if (!admitted.ok) return admitted.response;
  const { session } = admitted;

  if (req.method === "GET" || req.method === "HEAD") {
    if (path === "/ui" || path === "/ui/") return page("fleet", session);
    const asset = /^\/ui\/assets\/([a-z0-9.-]+)$/.exec(path);
    if (asset && ASSETS[asset[1] as string]) {
      const { type, body } = ASSETS[asset[1] as string] as { type: string; body: string };
      return new Response(body, { headers: { ...SECURITY_HEADERS, "content-type": type } });
    }
    if (path === "/ui/api/fleet") return json(fleet(ctx.host));
    if (path === "/ui/api/events") {
      // A reconnecting browser says where it was (Last-Event-ID); else the page says.
      const from = Number(req.headers.get("last-event-id") ?? url.searchParams.get("since") ?? 0);
      ctx.keepOpen();
      return ctx.events(Number.isFinite(from) ? from : 0, req.signal, SECURITY_HEADERS);
    }
  }
  return refusal(404, `no dashboard route for ${req.method} ${path}`);
}
