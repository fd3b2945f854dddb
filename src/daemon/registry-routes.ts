import type { ActionContext, Answer } from "./actions";
import { upAnswer } from "./fleet-actions";
import { createAnswer, initAnswer, updateAnswer } from "./registry-actions";

const json = (a: Answer): Response =>
  new Response(JSON.stringify(a.body), {
    status: a.status,
    headers: { "content-type": "application/json" },
  });

/**
 * The registry's changes, the local user's only (`local`: the caller came by the unix socket):
 * - `POST /v1/registry/create`, `/init`: a new peer (`create`, `init`);
 * - `POST /v1/registry/set`, `/edit`: a peer's profile changed (`set`, `edit`);
 * - `POST /v1/fleet/up`: a fleet file planned and carried out (`up`, `up --dry-run`); with
 *   `Accept: application/x-ndjson`, told line by line as it goes.
 * Undefined when the request is not one of them.
 */
export async function registryRoute(
  req: Request,
  path: string,
  ctx: ActionContext,
  local: boolean,
): Promise<Response | undefined> {
  if (req.method !== "POST") return undefined;
  const route = /^\/v1\/(?:registry\/(create|init|set|edit)|fleet\/(up))$/.exec(path);
  if (!route) return undefined;
  if (!local)
    return json({
      status: 403,
      body: { error: "peers may send; only the local user manages peers" },
    });
  const body = await req.json().catch(() => undefined);
  const what = route[1] ?? route[2];
  if (what === "create") return json(createAnswer(ctx.host, body));
  if (what === "init") return json(initAnswer(ctx.host, body));
  if (what === "set" || what === "edit") return json(await updateAnswer(ctx.host, what, body));
  if (req.headers.get("accept") !== NDJSON) return json(await upAnswer(ctx, body));
  return upStream(ctx, body);
}

const NDJSON = "application/x-ndjson";

/**
 * An up that tells as it goes: one JSON line per step (`{"report"}` as each peer is done,
 * `{"orphans"}`, `{"waited"}`), then `{"status","answer"}`, the answer `json` would have given.
 */
function upStream(ctx: ActionContext, body: unknown): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const line = (value: unknown) => {
        try {
          controller.enqueue(encoder.encode(`${JSON.stringify(value)}\n`));
        } catch {
          // The client left: the up goes on (what it changes is whole per peer), unheard.
        }
      };
      try {
        const done = await upAnswer(ctx, body, line);
        line({ status: done.status, answer: done.body });
      } catch (error) {
        line({ status: 500, answer: { ok: false, error: (error as Error).message } });
      }
      try {
        controller.close();
      } catch {
        // already closed by a client that left
      }
    },
  });
  return new Response(stream, { status: 200, headers: { "content-type": NDJSON } });
}
