import { fail, type Result } from "../core/result";
import type { Host } from "../home/host";
import { listSessions } from "../lifecycle/sessions";
import { type ServiceChange, type ServiceHooks, updatePeer } from "../lifecycle/update";
import { type Assignment, applyAssignments } from "../registry/assign";
import {
  createPeer,
  type InitPeer,
  initPeer,
  type NewPeer,
  validateNewPeer,
} from "../registry/create";
import { type Profile, validateProfile } from "../registry/profile";
import { installPeerService, uninstallPeerService } from "../service/peer-service";
import { runCommand } from "../service/runner";
import type { Answer } from "./actions";

/**
 * The registry's changes (`create`, `init`, `set`, `edit`), done by the daemon so that one
 * process changes the registry, the profiles on disk and the services that follow them. The
 * CLI has checked its line already; these check again, since the socket takes any JSON. An
 * answer that is bad input carries `badInput: true` (the CLI exits 2 for it).
 */

/** An always-on peer's service follows its profile, as create and remove do. */
export const serviceHooks = (host: Host): ServiceHooks => ({
  install: (peer) => installPeerService(host, peer, runCommand),
  uninstall: (peer) => uninstallPeerService(host, peer, runCommand),
});

/** A service change as the answer shows it: `{"installed":true,"path",…}`, `{"uninstalled"}`, `{"error"}`. */
export function serviceJson(change: ServiceChange): Record<string, unknown> {
  return "installed" in change ? { ...change.installed, installed: true } : change;
}

const refused = (status: number, error: string, badInput = false): Answer => ({
  status,
  body: { ok: false, error, ...(badInput && { badInput: true }) },
});

type Fields = Record<string, "string" | "boolean" | "object">;

/** The first field of `body` that is not of its kind, said in one line; `name` must be there. */
function badFields(body: unknown, kinds: Fields, required: string[]): string | undefined {
  if (!body || typeof body !== "object" || Array.isArray(body))
    return "the request body must be a JSON object";
  const b = body as Record<string, unknown>;
  for (const key of required) if (b[key] === undefined) return `"${key}" is required`;
  for (const [key, kind] of Object.entries(kinds)) {
    const v = b[key];
    if (v === undefined) continue;
    const fits =
      kind === "object"
        ? typeof v === "object" && v !== null && !Array.isArray(v)
        : typeof v === kind;
    if (!fits) return `"${key}" must be ${kind === "object" ? "an object" : `a ${kind}`}`;
  }
  return undefined;
}

const NEW_PEER: Fields = {
  name: "string",
  runtime: "string",
  path: "string",
  command: "string",
  description: "string",
  intelligence: "string",
  alwaysOn: "boolean",
  settings: "object",
};

/** `POST /v1/registry/create`: a new peer in its folder; an always-on one gets its service. */
export function createAnswer(host: Host, body: unknown): Answer {
  const bad = badFields(body, NEW_PEER, ["name", "runtime"]);
  if (bad) return refused(400, bad, true);
  const input = body as NewPeer;
  const valid = validateNewPeer(input);
  if (!valid.ok) return refused(400, valid.error, true);
  const created = createPeer(host, input);
  if (!created.ok) return refused(409, created.error);
  const p = created.value;
  const service =
    p.profile.wake === "always-on" ? installPeerService(host, p, runCommand) : undefined;
  const serviceOut = service && (service.ok ? service.value : { error: service.error });
  return {
    status: 200,
    body: {
      ok: true,
      peer: p.personality,
      cwd: p.cwd,
      profile: p.profile,
      ...(serviceOut && { service: serviceOut }),
    },
  };
}

/** `POST /v1/registry/init`: an existing folder made a peer (or its profile adopted). */
export function initAnswer(host: Host, body: unknown): Answer {
  const bad = badFields(body, { ...NEW_PEER, dir: "string" }, ["dir", "runtime"]);
  if (bad) return refused(400, bad, true);
  const { dir, ...input } = body as InitPeer & { dir: string };
  const r = initPeer(host, dir, input);
  if (!r.ok) return refused(409, r.error);
  const p = r.value;
  return {
    status: 200,
    body: { ok: true, peer: p.personality, cwd: p.cwd, adopted: p.adopted, profile: p.profile },
  };
}

/** The sessions of a peer that run now: they keep the old settings until their next wake. */
const running = (host: Host, peer: string): string[] =>
  listSessions(host.store)
    .filter((s) => s.personality === peer && s.state === "live")
    .map((s) => s.identity);

/**
 * `POST /v1/registry/set` `{peer, assignments}` and `POST /v1/registry/edit` `{peer, text,
 * expectText?}`: a peer's profile changed under the registry's lock, its service following.
 * An edit's text is the whole profile; it may repair a broken one, and is refused when the file
 * changed since the editor was opened on it.
 */
export async function updateAnswer(
  host: Host,
  how: "set" | "edit",
  body: unknown,
): Promise<Answer> {
  const bad =
    how === "set"
      ? badFields(body, { peer: "string" }, ["peer", "assignments"])
      : badFields(body, { peer: "string", text: "string", expectText: "string" }, ["peer", "text"]);
  if (bad) return refused(400, bad, true);
  const b = body as { peer: string; assignments?: unknown; text?: string; expectText?: string };
  const assignments = b.assignments as Assignment[];
  if (
    how === "set" &&
    !(
      Array.isArray(assignments) &&
      assignments.every((a) => typeof a?.key === "string" && typeof a?.value === "string")
    )
  )
    return refused(400, '"assignments" must be a list of {key, value}', true);
  const change =
    how === "set"
      ? (current: Profile) => applyAssignments(current, assignments)
      : (): Result<Profile> => {
          let raw: unknown;
          try {
            raw = JSON.parse(b.text as string);
          } catch (error) {
            return fail(`not valid JSON: ${(error as Error).message}`);
          }
          return validateProfile(raw);
        };
  const r = await updatePeer(
    host,
    b.peer,
    change,
    serviceHooks(host),
    how === "edit"
      ? { repair: true, ...(b.expectText !== undefined && { expectText: b.expectText }) }
      : {},
  );
  if (!r.ok)
    return r.kind === "invalid"
      ? refused(400, r.error, true)
      : refused(r.kind === "unknown-peer" ? 404 : 409, r.error);
  const { peer, changed, service } = r.value;
  const live = changed.length > 0 ? running(host, b.peer) : [];
  return {
    status: 200,
    body: {
      ok: true,
      peer: b.peer,
      changed,
      profile: peer.profile,
      ...(live.length > 0 && { running: live }),
      ...(service && { service: serviceJson(service) }),
    },
  };
}
