import { ok } from "../core/result";
import { lockFleet } from "../fleet/lock";
import { fleetMembers, releaseFromOthers, setFleetMembers } from "../fleet/members";
import { FleetError, type FleetFile, readFleet } from "../fleet/parse";
import { FleetRefusal, orphansOf, type PlannedPeer, planFleet } from "../fleet/plan";
import { needsRestart } from "../fleet/unseen";
import type { Host } from "../home/host";
import { removePeer } from "../lifecycle/control";
import { updatePeer } from "../lifecycle/update";
import { createFromProfile } from "../registry/create";
import { installPeerService, uninstallPeerService } from "../service/peer-service";
import { runCommand } from "../service/runner";
import { type ActionContext, type Answer, peerActionAnswer } from "./actions";
import { serviceHooks, serviceJson } from "./registry-actions";
import type { WakeJson } from "./wake-json";

/**
 * `iapeer up`, carried out by the daemon: it reads the fleet file itself under the home's fleet
 * lock, plans (fleet/plan.ts) and applies the plan, creating, updating, removing and starting
 * peers as the one owner of the registry and the sessions. The CLI sends the file's path and
 * prints the answer. Planning here rather than in the CLI means the plan is made from the
 * registry as it is when it is applied, with no second reader racing the first.
 */

export interface PeerReport {
  ok: boolean;
  peer: string;
  action: PlannedPeer["action"];
  cwd: string;
  changed?: string[];
  /** How its session was brought up: woken, already live, or left to its service. */
  started?: "woke" | "live" | "always-on";
  service?: unknown;
  error?: string;
  /** Its profile was made as the file says, but its session could not be started. */
  notStarted?: true;
}

/** How long an `up` waits for another one: starting many agents can take minutes. */
const FLEET_LOCK_WAIT_MS = 10 * 60_000;

/** Make the registry what the plan says, one peer at a time; a failure is that peer's report. */
async function apply(ctx: ActionContext, p: PlannedPeer): Promise<PeerReport> {
  const { host } = ctx;
  const report: PeerReport = {
    ok: true,
    peer: p.name,
    action: p.action,
    cwd: p.folder,
    ...(p.changed && { changed: p.changed }),
  };
  const failed = (error: string): PeerReport => ({ ...report, ok: false, error });
  if (p.action === "removed") {
    const r = await removePeer(host, p.name, (peer) =>
      uninstallPeerService(host, peer, runCommand),
    );
    return r.ok ? report : failed(r.error);
  }
  const profile = p.profile;
  if (!profile) return failed("no profile planned");
  if (p.action === "created") {
    const r = createFromProfile(host, profile, p.folder);
    if (!r.ok) return failed(r.error);
    if (profile.wake === "always-on") {
      const s = installPeerService(host, r.value, runCommand);
      report.service = serviceJson(s.ok ? { installed: s.value } : { error: s.error });
    }
  } else if (p.action === "updated") {
    const r = await updatePeer(host, p.name, () => ok(profile), serviceHooks(host));
    if (!r.ok) return failed(r.error);
    if (r.value.service) report.service = serviceJson(r.value.service);
  }
  // An always-on peer is its service manager's to run (asked to restart it when it changed);
  // any other is woken, afresh when it changed.
  const restart = p.action === "updated" && needsRestart(p.changed);
  if (profile.wake === "always-on" && !restart) return { ...report, started: "always-on" };
  const woke = (await peerActionAnswer(ctx, p.name, restart ? "restart" : "start"))
    .body as WakeJson;
  if (!woke.ok) return { ...failed(woke.error), notStarted: true };
  return { ...report, started: woke.woke ? "woke" : "live" };
}

/** What an up says while it works, before its answer: a streaming client prints it as it comes. */
export type UpProgress = { waited: true } | { orphans: string[] } | { report: PeerReport };

interface UpRequest {
  file: string;
  prune: boolean;
  adopt: boolean;
  dryRun: boolean;
}

function upRequest(body: unknown): UpRequest | undefined {
  const b = body as Record<string, unknown> | undefined;
  if (!b || typeof b !== "object" || typeof b.file !== "string" || !b.file.startsWith("/"))
    return undefined;
  const flag = (key: string) => b[key] === true;
  return { file: b.file, prune: flag("prune"), adopt: flag("adopt"), dryRun: flag("dryRun") };
}

/** `POST /v1/fleet/up` `{file, prune?, adopt?, dryRun?}`: the plan, or what was done. */
export async function upAnswer(
  ctx: ActionContext,
  body: unknown,
  progress: (said: UpProgress) => void = () => {},
): Promise<Answer> {
  const req = upRequest(body);
  if (!req)
    return {
      status: 400,
      body: { ok: false, badInput: true, error: 'up needs "file", an absolute path' },
    };
  const { host } = ctx;
  let waited = false;
  // Runs of one home wait for each other, then each finds what the one before made.
  const lock = await lockFleet(host.layout, FLEET_LOCK_WAIT_MS, () => {
    waited = true;
    progress({ waited });
  });
  if (!lock.ok) return { status: 409, body: { ok: false, error: lock.error } };
  try {
    const fleet = await readFleet(req.file);
    const done = await upLocked(ctx, fleet, req, progress);
    // Said after the fact: the CLI learns only from the answer that another up went first.
    return waited ? { ...done, body: { ...(done.body as object), waited } } : done;
  } catch (error) {
    if (error instanceof FleetError)
      return { status: 400, body: { ok: false, badInput: true, error: error.message } };
    throw error;
  } finally {
    lock.release();
  }
}

async function upLocked(
  ctx: ActionContext,
  fleet: FleetFile,
  req: UpRequest,
  progress: (said: UpProgress) => void,
): Promise<Answer> {
  const { host } = ctx;
  const members = fleetMembers(host.layout, fleet.path);
  let plan: PlannedPeer[];
  try {
    plan = planFleet(host, fleet, members, req.prune, req.adopt);
  } catch (error) {
    if (error instanceof FleetRefusal)
      return { status: 409, body: { ok: false, error: `${fleet.path}: ${error.message}` } };
    throw error;
  }
  // Like compose: a peer the file made and no longer lists is said, and left unless --prune.
  const orphans = req.prune ? [] : orphansOf(host, fleet, members);
  if (req.dryRun)
    return {
      status: 200,
      body: { ok: true, file: fleet.path, dryRun: true, peers: plan, orphans },
    };
  if (req.adopt) {
    const taken = recordMembers(host, () =>
      releaseFromOthers(
        host.layout,
        fleet.path,
        fleet.entries.map((e) => e.name),
      ),
    );
    if (taken)
      return {
        status: 409,
        body: { ok: false, error: `cannot record the fleet's peers: ${taken}` },
      };
  }
  // The file's entries are its peers from now on (a prune may later remove only those).
  const listed = fleet.entries.map((e) => e.name);
  const warnings: string[] = [];
  const record = (names: string[]) => {
    const failed = recordMembers(host, () => setFleetMembers(host.layout, fleet.path, names));
    if (failed) warnings.push(`cannot record the fleet's peers: ${failed}`);
  };
  record([...members, ...listed]);
  const reports: PeerReport[] = [];
  if (orphans.length > 0) progress({ orphans });
  for (const p of plan) {
    const report = await apply(ctx, p);
    reports.push(report);
    progress({ report });
  }
  const pruned = new Set(reports.filter((r) => r.ok && r.action === "removed").map((r) => r.peer));
  if (pruned.size > 0) record([...members, ...listed].filter((n) => !pruned.has(n)));
  const changed = reports.some((r) => r.action !== "unchanged");
  const allOk = reports.every((r) => r.ok);
  return {
    status: 200,
    body: {
      ok: allOk,
      file: fleet.path,
      changed,
      peers: reports,
      orphans,
      ...(warnings.length > 0 && { warnings }),
    },
  };
}

/** Write the fleet's members in a transaction of the state database; its error, if any. */
function recordMembers(
  host: Host,
  write: () => ReturnType<typeof setFleetMembers>,
): string | undefined {
  const r = host.store.write(write);
  return r.ok ? undefined : r.error;
}
