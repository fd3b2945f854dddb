import type { Host } from "../home/host";
import { answerDialog, listApprovals } from "../lifecycle/approvals";
import type { Directory } from "../mesh/directory";
import { remoteRows } from "../mesh/every-host";
import { lastEventId } from "../store/journal";
import { recentMessages } from "../transport/messages";
import { ASSETS, PAGES } from "./assets";
import type { UiLogins, UiSession } from "./auth";
import { fleet } from "./fleet-view";
import { history } from "./history";
import { typeKeys } from "./keys";
import { screenOf } from "./screen";
import {
  admit,
  cookieName,
  hostRefusal,
  PEER_PAGE_CSP,
  refusal,
  SECURITY_HEADERS,
  signedOutPage,
} from "./session-gate";

/** An action's answer: its HTTP status and its JSON body. */
interface UiAnswer {
  status: number;
  body: unknown;
}

/** What the daemon does for the dashboard: daemon/actions.ts, the functions its API calls. */
interface UiActions {
  send(body: Record<string, unknown>): Promise<UiAnswer>;
  message(id: string): UiAnswer;
  peer(name: string): UiAnswer;
  act(
    name: string,
    action: "wake" | "start" | "restart" | "stop",
    runtime?: string,
  ): Promise<UiAnswer>;
}

export interface UiContext {
  host: Host;
  logins: UiLogins;
  /** The loopback listener's port: the only Host the dashboard answers to. */
  port: number;
  /** The daemon's event stream (daemon/sse.ts), unnamed events from `since`. */
  events(since: number, signal: AbortSignal, headers: Record<string, string>): Response;
  /** Lift the listener's idle timeout for this request (an event stream, a send that waits). */
  keepOpen(): void;
  /**
   * The daemon's actions, done as the local user (a dashboard session is the local user): the
   * same functions the JSON API calls, so each has one implementation.
   */
  actions: UiActions;
  /** The mesh's directory while its link is up: other hosts' peers for the fleet view. */
  directory?: () => Directory | undefined;
}

/** The dashboard's pages, as against its assets and its API. */
const PAGE_PATHS = new Set(["/ui", "/ui/", "/ui/peer"]);

const json = (body: unknown, status = 200) =>
  Response.json(body, { status, headers: SECURITY_HEADERS });

function page(name: string, session: UiSession, csp?: string): Response {
  const html = (PAGES[name] as string).replace("{{CSRF}}", session.csrf);
  return new Response(html, {
    headers: {
      ...SECURITY_HEADERS,
      ...(csp && { "content-security-policy": csp }),
      "content-type": "text/html; charset=utf-8",
    },
  });
}

/** An action's answer, passed on with the dashboard's headers. */
function relay(a: UiAnswer, extra?: (body: Record<string, unknown>) => void) {
  const body = { ...(a.body as Record<string, unknown>) };
  if (a.status < 300) extra?.(body);
  return json(body, a.status);
}

/** A send from the dashboard: from the local user, waiting for its outcome. */
async function sendFromUi(req: Request, ctx: UiContext): Promise<Response> {
  const body = (await req.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!body || typeof body !== "object") return refusal(400, "the request body must be JSON");
  const { to, topic, runtime } = body;
  return relay(
    await ctx.actions.send({
      to,
      body: body.body,
      ...(topic !== undefined && { topic }),
      ...(runtime !== undefined && { runtime }),
      wait: true,
    }),
  );
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
  if (!admitted.ok) {
    // A page (not the API, whose callers read JSON) without a session says how to get one.
    const isPage = req.method === "GET" && PAGE_PATHS.has(path);
    return isPage && admitted.response.status === 401 ? signedOutPage() : admitted.response;
  }
  const { session } = admitted;

  if (req.method === "GET" || req.method === "HEAD") {
    if (path === "/ui" || path === "/ui/") return page("fleet", session);
    if (path === "/ui/peer") return page("peer", session, PEER_PAGE_CSP);
    const asset = /^\/ui\/assets\/([a-z0-9.-]+)$/.exec(path);
    if (asset && ASSETS[asset[1] as string]) {
      const { type, body } = ASSETS[asset[1] as string] as { type: string; body: string };
      return new Response(body, { headers: { ...SECURITY_HEADERS, "content-type": type } });
    }
    if (path === "/ui/api/fleet") {
      const mesh = ctx.host.config.mesh;
      const others = mesh
        ? await remoteRows(ctx.host.config.host ?? "", ctx.directory?.())
        : undefined;
      return json({
        ...fleet(ctx.host),
        host: ctx.host.config.host ?? null,
        mesh: !mesh ? "off" : others ? "up" : "down",
        others: others ?? [],
      });
    }
    if (path === "/ui/api/history") return json(history(ctx.host));
    if (path === "/ui/api/approvals") return json(await listApprovals(ctx.host));
    if (path === "/ui/api/events") {
      // A reconnecting browser says where it was (Last-Event-ID); else the page says.
      const from = Number(req.headers.get("last-event-id") ?? url.searchParams.get("since") ?? 0);
      ctx.keepOpen();
      return ctx.events(Number.isFinite(from) ? from : 0, req.signal, SECURITY_HEADERS);
    }
    const message = /^\/ui\/api\/messages\/([A-Za-z0-9_-]+)$/.exec(path);
    if (message) return relay(ctx.actions.message(message[1] as string));
    const peer = /^\/ui\/api\/peers\/([a-z][a-z0-9-]{0,31})(\/screen)?$/.exec(path);
    if (peer?.[2]) {
      const screen = await screenOf(
        ctx.host,
        peer[1] as string,
        url.searchParams.get("runtime") ?? "",
        url.searchParams.get("since") ?? undefined,
      );
      return screen ? json(screen) : refusal(400, "no such runtime");
    }
    if (peer) {
      const last_event = lastEventId(ctx.host.store);
      // The daemon's peer detail (daemon/peer-detail.ts) already says each death's cause.
      return relay(ctx.actions.peer(peer[1] as string), (body) => {
        body.last_event = last_event;
        body.messages = recentMessages(ctx.host.store, peer[1] as string);
      });
    }
  }
  if (req.method === "POST") {
    // The daemon API waits for a wake or a delivery: no idle timeout may cut it.
    ctx.keepOpen();
    const action = /^\/ui\/api\/peers\/([a-z][a-z0-9-]{0,31})\/(wake|start|restart|stop)$/.exec(
      path,
    );
    if (action) {
      const runtime = url.searchParams.get("runtime") ?? undefined;
      const verb = action[2] as "wake" | "start" | "restart" | "stop";
      return relay(await ctx.actions.act(action[1] as string, verb, runtime));
    }
    if (path === "/ui/api/send") return sendFromUi(req, ctx);
    const answer = /^\/ui\/api\/peers\/([a-z][a-z0-9-]{0,31})\/(approve|deny)$/.exec(path);
    if (answer) {
      const body = (await req.json().catch(() => ({}))) as { option?: unknown };
      const option = typeof body.option === "string" ? body.option : undefined;
      const done = await answerDialog(
        ctx.host,
        answer[1] as string,
        answer[2] === "approve"
          ? { approve: true, ...(option !== undefined && { option }) }
          : { approve: false },
        url.searchParams.get("runtime") ?? undefined,
      );
      return done.ok ? json(done) : refusal(409, done.error);
    }
    const keys = /^\/ui\/api\/peers\/([a-z][a-z0-9-]{0,31})\/keys$/.exec(path);
    if (keys) {
      const body = (await req.json().catch(() => undefined)) as { data?: unknown } | undefined;
      if (typeof body?.data !== "string") return refusal(400, 'keys need {"data": "<text>"}');
      const typed = typeKeys(
        ctx.host,
        keys[1] as string,
        url.searchParams.get("runtime") ?? "",
        body.data,
      );
      return typed.ok ? json(typed) : refusal(typed.status, typed.error);
    }
  }
  return refusal(404, `no dashboard route for ${req.method} ${path}`);
}
