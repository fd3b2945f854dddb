import { HUMAN_SENDER } from "../core/names";
import type { Host } from "../home/host";
import { endDroppedRuntimes, removePeer, startPeer, stopPeer } from "../lifecycle/control";
import { wakeOrSpawn } from "../lifecycle/wake";
import type { MeshNode } from "../mesh/node";
import { restartAnyPeer, uninstallPeerService } from "../service/peer-service";
import { runCommand } from "../service/runner";
import type { Dispatcher } from "../transport/dispatcher";
import { getMessage } from "../transport/messages";
import { send } from "../transport/send";
import { peerDetail } from "./peer-detail";
import { toWakeJson } from "./wake-json";

/**
 * What the daemon does for a request, as typed functions: the JSON API (api.ts) and the
 * dashboard (ui/routes.ts) call these, so each action has one implementation and the dashboard
 * never builds HTTP requests to its own daemon.
 */

export interface Answer {
  status: number;
  body: unknown;
}

export interface ActionContext {
  host: Host;
  dispatcher: Dispatcher;
  mesh?: MeshNode;
}

export type PeerAction = "wake" | "start" | "restart" | "stop";

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

/**
 * A send as the API takes it (`body`, or `message`, for the text), checked before anything is
 * stored. `as` is the calling peer, who always sends as itself; the local user may name any
 * sender.
 */
export async function sendRequest(ctx: ActionContext, body: unknown, as?: string): Promise<Answer> {
  const b = body as Record<string, unknown> | undefined;
  const text = b?.body ?? b?.message;
  const problem =
    !b || typeof b !== "object"
      ? "the request body must be a JSON object"
      : typeof b.to !== "string" || typeof text !== "string"
        ? 'send needs "to" and "body" (strings)'
        : invalidSendFields(b);
  if (problem || !b || typeof b.to !== "string" || typeof text !== "string")
    return {
      status: 400,
      body: {
        outcome: { ok: false, outcome: "failed", woke: false, error: problem },
        badInput: true,
      },
    };
  const from = as ?? (b.from as string | undefined) ?? HUMAN_SENDER;
  const result = await send(
    ctx.host,
    ctx.dispatcher,
    {
      from,
      to: b.to,
      body: text,
      ...(b.topic !== undefined && { topic: b.topic as string }),
      ...(b.runtime !== undefined && { runtime: b.runtime as string }),
      ...(b.attachments !== undefined && { attachments: b.attachments as string[] }),
      ...(b.defer !== undefined && { defer: b.defer as boolean }),
      ...(b.key !== undefined && { key: b.key as string }),
    },
    b.wait !== false,
    ctx.mesh?.route,
  );
  return { status: result.badInput ? 400 : 200, body: result };
}

/** A message and its trail; a peer may read only the messages it sent or received. */
export function messageAnswer(host: Host, id: string, reader?: string): Answer {
  const m = getMessage(host.store, id);
  if (!m) return { status: 404, body: { error: "no such message" } };
  if (reader !== undefined && reader !== m.sender && reader !== m.recipient)
    return { status: 403, body: { error: "only its sender and its recipient may read a message" } };
  return { status: 200, body: m };
}

/** One peer in detail, as `status <peer>` shows it. */
export function peerAnswer(host: Host, name: string): Answer {
  const detail = peerDetail(host, name);
  return detail
    ? { status: 200, body: detail }
    : { status: 404, body: { error: `no peer named ${name}; see \`iapeer list\`` } };
}

/** Wake, start, restart or stop a peer (the local user's, never a peer's). */
export async function peerActionAnswer(
  ctx: ActionContext,
  name: string,
  action: PeerAction,
  runtime?: string,
): Promise<Answer> {
  const { host } = ctx;
  await endDroppedRuntimes(host, name);
  if (action === "stop") {
    const stopped = await stopPeer(host, name);
    return stopped.ok
      ? { status: 200, body: { ok: true, peer: name, stopped: stopped.value } }
      : { status: 404, body: { ok: false, peer: name, error: stopped.error } };
  }
  const r =
    action === "wake"
      ? await wakeOrSpawn(host, name, runtime ? { runtime } : {})
      : action === "start"
        ? await startPeer(host, name, runtime)
        : await restartAnyPeer(host, name, runtime, runCommand);
  // Messages kept for a stopped peer (`--defer`) go now, not at the next tick.
  if (action === "start") void ctx.dispatcher.kick(name);
  const status = r.ok ? 200 : r.refusal === "unknown-peer" ? 404 : 409;
  return { status, body: toWakeJson(name, r) };
}

/** Stop a peer, uninstall its service when always-on, and drop it from the registry. */
export async function removeAnswer(ctx: ActionContext, name: string): Promise<Answer> {
  const { host } = ctx;
  const r = await removePeer(host, name, (peer) => uninstallPeerService(host, peer, runCommand));
  return r.ok
    ? { status: 200, body: { ok: true, peer: name, cwd: r.value.cwd, stopped: r.value.ended } }
    : {
        status: r.error.startsWith("no peer named") ? 404 : 409,
        body: { ok: false, peer: name, error: r.error },
      };
}
