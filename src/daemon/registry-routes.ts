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
 * - `POST /v1/fleet/up`: a fleet file planned and carried out (`up`, `up --dry-run`).
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
  return json(await upAnswer(ctx, body));
}
