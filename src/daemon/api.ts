import { SERVICE_MANAGERS, type ServiceManager } from "../core/config";
import { validatePersonality } from "../core/names";
import type { Host } from "../home/host";
import { adoptRunningSessions } from "../lifecycle/adopt";
import { recordedDeaths } from "../lifecycle/crash-guard";
import { allStates, type PeerRuntimeState } from "../lifecycle/state";
import { meshFleet } from "../mesh/every-host";
import type { MeshNode } from "../mesh/node";
import { peerForToken } from "../registry/tokens";
import { lastEventId } from "../store/journal";
import type { Dispatcher } from "../transport/dispatcher";
import { waitingCounts } from "../transport/messages";
import type { SendResult } from "../transport/send";
import type { UiLogins } from "../ui/auth";
import {
  type Answer,
  messageAnswer,
  type PeerAction,
  peerActionAnswer,
  peerAnswer,
  removeAnswer,
  sendRequest,
} from "./actions";
import { agentRoute } from "./agent-routes";
import { SERVICE_MANAGER_HEADER } from "./client";
import { bridgeRoute } from "./inbox-routes";
import type { DaemonInfo } from "./info";
import { hostStatus } from "./peer-detail";
import { registryRoute } from "./registry-routes";
import { eventStream } from "./sse";
import { bearerToken } from "./tcp-gate";

export interface ApiContext {
  host: Host;
  dispatcher: Dispatcher;
  /** The dashboard's logins, and the loopback port it is served on (0: none). */
  ui: { logins: UiLogins; port: number };
  /** This daemon in the mesh, when IAPEER_NATS_URL is set. */
  mesh?: MeshNode;
  /** What this daemon wrote to daemon.json, once it listens. */
  info?: DaemonInfo;
}

/** Who is calling: the local user over the unix socket, or a peer proven by its token. */
type Caller = { kind: "local" } | { kind: "peer"; personality: string };

const answer = (a: Answer): Response => json(a.status, a.body);

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** Each peer × runtime's state, with how many messages wait for it (`queued`). */
function peerRows(host: Host): (PeerRuntimeState & { queued: number })[] {
  const counts = waitingCounts(host.store);
  return allStates(host).map((s) => ({
    ...s,
    queued: counts
      .filter(
        (c) =>
          c.recipient === s.personality &&
          (c.runtime === s.runtime || (c.runtime === null && s.default)),
      )
      .reduce((n, c) => n + c.waiting, 0),
  }));
}

/**
 * The context for one request, with the service manager the caller set for itself (a restart
 * asked under IAPEER_SERVICE_MANAGER=none calls no systemctl); undefined when it names none.
 */
function withCallersManager(ctx: ApiContext, manager: string | null): ApiContext | undefined {
  if (manager === null || manager === ctx.host.config.serviceManager) return ctx;
  if (!(SERVICE_MANAGERS as readonly string[]).includes(manager)) return undefined;
  const config = { ...ctx.host.config, serviceManager: manager as ServiceManager };
  return { ...ctx, host: { ...ctx.host, config } };
}

/** The daemon's HTTP surface, the same on the unix socket and on loopback TCP. */
export async function handleRequest(
  req: Request,
  via: "unix" | "tcp",
  ctx: ApiContext,
): Promise<Response> {
  const { host } = ctx;
  const url = new URL(req.url);
  const path = url.pathname;

  if (path === "/mcp") {
    // Loaded on first use: the SDK and its schema library are most of an idle daemon's memory.
    const { handleMcp } = await import("./mcp");
    return handleMcp(req, {
      authenticate: (token) => {
        const personality = peerForToken(host.store, token);
        return personality ? { personality } : undefined;
      },
      // The same door as `POST /v1/send`: one schema, one refusal for the same input.
      send: async (from, args) =>
        (
          (
            await sendRequest(
              ctx,
              {
                to: args.personality,
                body: args.message,
                ...(args.runtime !== undefined && { runtime: args.runtime }),
                ...(args.topic !== undefined && { topic: args.topic }),
                ...(args.attachments !== undefined && { attachments: args.attachments }),
              },
              from.personality,
            )
          ).body as SendResult
        ).outcome,
    });
  }

  let caller: Caller = { kind: "local" };
  if (via === "tcp") {
    const token = bearerToken(req);
    const personality = token ? peerForToken(host.store, token) : undefined;
    if (!personality)
      return json(401, { error: "a peer's token is required (Authorization: Bearer <token>)" });
    caller = { kind: "peer", personality };
  }
  const agents = await agentRoute(req, url, ctx, caller.kind === "local");
  if (agents) return agents;
  const bridged = await bridgeRoute(
    req,
    url,
    host,
    caller.kind === "peer" ? caller.personality : undefined,
  );
  if (bridged) return bridged;

  // A session that runs but the database forgot (its rows lost) is found before it is reported.
  if (req.method === "GET" && (path === "/v1/status" || path.startsWith("/v1/peers")))
    adoptRunningSessions(host);
  if (req.method === "GET" && path === "/v1/status" && ctx.info)
    return json(200, hostStatus(host, ctx.info));
  if (req.method === "GET" && path === "/v1/peers") {
    if (url.searchParams.get("all") !== "1") return json(200, peerRows(host));
    // Every host's peers, and whether the mesh could be asked (`up`, `down`, `off`).
    return json(200, await meshFleet(host, ctx.mesh?.link.directory()));
  }
  if (req.method === "POST" && path === "/v1/ui/login") {
    if (caller.kind !== "local")
      return json(403, { error: "only the local user may open the dashboard" });
    const { port, logins } = ctx.ui;
    if (!port)
      return json(409, {
        error: "the daemon has no loopback listener (IAPEER_PORT=0); the dashboard is served there",
      });
    const token = logins.issueLogin();
    return json(200, { url: `http://127.0.0.1:${port}/ui/login?token=${token}`, port });
  }
  if (req.method === "GET" && path === "/v1/deaths")
    return json(200, recordedDeaths(host, url.searchParams.get("peer") ?? undefined));
  if (req.method === "GET" && path === "/v1/events") {
    // `latest`: only what happens from now on (a follower with no cursor of its own yet).
    const given = url.searchParams.get("since") ?? "0";
    const since = given === "latest" ? lastEventId(host.store) : Number(given);
    return eventStream(host.store, Number.isFinite(since) ? since : 0, req.signal);
  }
  const reader = caller.kind === "peer" ? caller.personality : undefined;
  const message = /^\/v1\/messages\/([A-Za-z0-9_-]+)$/.exec(path);
  if (req.method === "GET" && message)
    return answer(messageAnswer(host, message[1] as string, reader));
  if (req.method === "POST" && path === "/v1/send")
    return answer(await sendRequest(ctx, await req.json().catch(() => undefined), reader));

  // The registry's changes (create, init, set, edit, up): the local user's only.
  const registry = await registryRoute(req, path, ctx, caller.kind === "local");
  if (registry) return registry;

  const peerPath = /^\/v1\/peers\/([^/]+)(?:\/(wake|stop|start|restart|remove))?$/.exec(path);
  if (peerPath) {
    const name = validatePersonality(decodeURIComponent(peerPath[1] as string));
    if (!name.ok) return json(400, { error: name.error });
    const action = peerPath[2] as PeerAction | "remove" | undefined;
    if (req.method === "GET" && !action) return answer(peerAnswer(host, name.value));
    if (req.method === "POST" && action) {
      if (caller.kind === "peer")
        return json(403, { error: "peers may send; only the local user manages peers" });
      const managed = withCallersManager(ctx, req.headers.get(SERVICE_MANAGER_HEADER));
      if (!managed)
        return json(400, { error: `${SERVICE_MANAGER_HEADER} names no service manager` });
      if (action === "remove") return answer(await removeAnswer(managed, name.value));
      const runtime = url.searchParams.get("runtime") ?? undefined;
      return answer(await peerActionAnswer(managed, name.value, action, runtime));
    }
  }
  return json(404, { error: `no route for ${req.method} ${path}` });
}
