import { validatePersonality } from "../core/names";
import type { Host } from "../home/host";
import { adoptRunningSessions } from "../lifecycle/adopt";
import { startPeer, stopPeer } from "../lifecycle/control";
import { allStates, type PeerRuntimeState } from "../lifecycle/state";
import { type WakeResult, wakeOrSpawn } from "../lifecycle/wake";
import { meshFleet } from "../mesh/fleet";
import type { MeshNode } from "../mesh/node";
import { peerForToken } from "../registry/tokens";
import { restartAnyPeer } from "../service/peer-service";
import { runCommand } from "../service/runner";
import type { Dispatcher } from "../transport/dispatcher";
import { getMessage, waitingCounts } from "../transport/messages";
import { send } from "../transport/send";
import { HUMAN_SENDER } from "../transport/sender";
import type { SendRequest } from "../transport/types";
import type { UiLogins } from "../ui/auth";
import { bearerToken } from "./gate";
import { bridgeRoute } from "./inbox-routes";
import type { DaemonInfo } from "./info";
import { hostStatus, peerDetail } from "./peer-detail";
import { eventStream } from "./sse";
import { toWakeJson } from "./wake-json";

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

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function wakeJson(peer: string, r: WakeResult): Response {
  const status = r.ok ? 200 : r.refusal === "unknown-peer" ? 404 : 409;
  return json(status, toWakeJson(peer, r));
}

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

/** Optional fields of a send, checked before anything is stored. */
function invalidSendFields(body: Record<string, unknown>): string | undefined {
  for (const key of ["from", "topic", "runtime", "key"] as const) {
    if (body[key] !== undefined && typeof body[key] !== "string")
      return `"${key}" must be a string`;
  }
  for (const key of ["defer", "wait"] as const) {
    if (body[key] !== undefined && typeof body[key] !== "boolean")
      return `"${key}" must be true or false`;
  }
  const a = body.attachments;
  if (a !== undefined && !(Array.isArray(a) && a.every((x) => typeof x === "string")))
    return '"attachments" must be a list of paths';
  return undefined;
}

/** The daemon's HTTP surface, the same on the unix socket and on loopback TCP. */
export async function handleRequest(
  req: Request,
  via: "unix" | "tcp",
  ctx: ApiContext,
): Promise<Response> {
  const { host, dispatcher } = ctx;
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
      send: async (from, args) =>
        (
          await send(
            host,
            dispatcher,
            {
              from: from.personality,
              to: args.personality,
              body: args.message,
              ...(args.runtime !== undefined && { runtime: args.runtime }),
              ...(args.topic !== undefined && { topic: args.topic }),
              ...(args.attachments !== undefined && { attachments: args.attachments }),
            },
            true,
            ctx.mesh?.route,
          )
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
  if (req.method === "GET" && path === "/v1/events") {
    const since = Number(url.searchParams.get("since") ?? "0");
    return eventStream(host.store, Number.isFinite(since) ? since : 0, req.signal);
  }
  const message = /^\/v1\/messages\/([A-Za-z0-9_-]+)$/.exec(path);
  if (req.method === "GET" && message) {
    const m = getMessage(host.store, message[1] as string);
    if (!m) return json(404, { error: "no such message" });
    if (
      caller.kind === "peer" &&
      caller.personality !== m.sender &&
      caller.personality !== m.recipient
    ) {
      return json(403, { error: "only its sender and its recipient may read a message" });
    }
    return json(200, m);
  }
  if (req.method === "POST" && path === "/v1/send") {
    const body = (await req.json().catch(() => undefined)) as
      | (Partial<SendRequest> & { message?: string; wait?: boolean })
      | undefined;
    const text = body?.body ?? body?.message;
    const problem =
      !body || typeof body !== "object"
        ? "the request body must be a JSON object"
        : typeof body.to !== "string" || typeof text !== "string"
          ? 'send needs "to" and "body" (strings)'
          : invalidSendFields(body);
    if (problem || !body || typeof body.to !== "string" || typeof text !== "string") {
      return json(400, {
        outcome: { ok: false, outcome: "failed", woke: false, error: problem },
        badInput: true,
      });
    }
    // A peer always sends as itself; the local user may name any sender.
    const from = caller.kind === "peer" ? caller.personality : (body.from ?? HUMAN_SENDER);
    const result = await send(
      host,
      dispatcher,
      {
        from,
        to: body.to,
        body: text,
        ...(body.topic !== undefined && { topic: body.topic }),
        ...(body.runtime !== undefined && { runtime: body.runtime }),
        ...(body.attachments !== undefined && { attachments: body.attachments }),
        ...(body.defer !== undefined && { defer: body.defer }),
        ...(body.key !== undefined && { key: body.key }),
      },
      body.wait !== false,
      ctx.mesh?.route,
    );
    return json(result.badInput ? 400 : 200, result);
  }

  const peerPath = /^\/v1\/peers\/([^/]+)(?:\/(wake|stop|start|restart))?$/.exec(path);
  if (peerPath) {
    const name = validatePersonality(decodeURIComponent(peerPath[1] as string));
    if (!name.ok) return json(400, { error: name.error });
    const peer = name.value;
    const action = peerPath[2];
    if (req.method === "GET" && !action) {
      const detail = peerDetail(host, peer);
      return detail
        ? json(200, detail)
        : json(404, { error: `no peer named ${peer}; see \`iapeer list\`` });
    }
    if (req.method === "POST" && action) {
      if (caller.kind === "peer")
        return json(403, { error: "peers may send; only the local user manages peers" });
      const runtime = url.searchParams.get("runtime") ?? undefined;
      if (action === "wake")
        return wakeJson(peer, await wakeOrSpawn(host, peer, runtime ? { runtime } : {}));
      if (action === "start") {
        const started = await startPeer(host, peer, runtime);
        // Messages kept for it (`--defer`) go now, not at the next tick.
        void ctx.dispatcher.kick(peer);
        return wakeJson(peer, started);
      }
      if (action === "restart")
        return wakeJson(peer, await restartAnyPeer(host, peer, runtime, runCommand));
      const stopped = await stopPeer(host, peer);
      return stopped.ok
        ? json(200, { ok: true, peer, stopped: stopped.value })
        : json(404, { ok: false, peer, error: stopped.error });
    }
  }
  return json(404, { error: `no route for ${req.method} ${path}` });
}
