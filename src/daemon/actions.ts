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

/**
 * A send as the API takes it (`body`, or `message`, for the text), checked by the one send
 * schema (codec/send-input.ts) before anything is stored. `as` is the calling peer, who always
 * sends as itself; the local user may name any sender. The MCP tool comes through here too.
 */
export async function sendRequest(ctx: ActionContext, body: unknown, as?: string): Promise<Answer> {
  // Loaded at the first send, not at the daemon's start: zod is most of the schema's weight.
  const { parseSend } = await import("../codec/send-input");
  const b = body as Record<string, unknown> | undefined;
  const parsed = parseSend(
    b && typeof b === "object" && b.body === undefined ? { ...b, body: b.message } : b,
  );
  if (!parsed.ok)
    return {
      status: 400,
      body: {
        outcome: { ok: false, outcome: "failed", woke: false, error: parsed.error },
        badInput: true,
      },
    };
  // Unknown fields (`message`, once read as the body) are not kept by the schema.
  const { wait, from, ...req } = parsed.value;
  const result = await send(
    ctx.host,
    ctx.dispatcher,
    { ...req, from: as ?? from ?? HUMAN_SENDER },
    wait !== false,
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
