import { resolve } from "node:path";
import { defineCommand } from "citty";
import { ok } from "../core/result";
import { lockFleet } from "../fleet/lock";
import { fleetMembers, releaseFromOthers, setFleetMembers } from "../fleet/members";
import { FleetError, type FleetFile, readFleet } from "../fleet/parse";
import { FleetRefusal, orphansOf, type PlannedPeer, planFleet } from "../fleet/plan";
import type { Host } from "../home/host";
import { removePeer } from "../lifecycle/control";
import { updatePeer } from "../lifecycle/update";
import { createFromProfile } from "../registry/create";
import { installPeerService, uninstallPeerService } from "../service/peer-service";
import { runCommand } from "../service/runner";
import { requireHost } from "./context";
import { actionError, EXIT, usageError } from "./exit-codes";
import { act } from "./lifecycle-commands";
import { consola } from "./log";
import { printJson } from "./output";
import { jsonArg } from "./peer-arg";
import { serviceHooks, serviceJson } from "./set";

export const fleetFileArg = {
  type: "positional",
  required: false,
  description: "The fleet file (default ./iapeer.toml)",
} as const;

/** Read a fleet file: a file that cannot be read or parsed is bad input (exit 2). */
export async function loadFleet(file: string | undefined) {
  const path = resolve(file ?? "iapeer.toml");
  try {
    return await readFleet(path);
  } catch (error) {
    if (error instanceof FleetError) throw usageError(error.message);
    throw error;
  }
}

interface PeerReport {
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

/** What the session never reads: changing only these restarts nothing (a conversation kept). */
const UNSEEN = new Set(["description"]);

/** Make the registry what the plan says, one peer at a time; a failure is that peer's report. */
async function apply(host: Host, p: PlannedPeer): Promise<PeerReport> {
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
  // Up: an always-on peer is its service manager's to run (asked to restart it when it changed);
  // any other is woken, afresh when it changed.
  const restart = p.action === "updated" && !(p.changed ?? []).every((c) => UNSEEN.has(c));
  if (profile.wake === "always-on" && !restart) return { ...report, started: "always-on" };
  const woke = await act(restart ? "restart" : "start", p.name, undefined);
  if (!woke.ok) return { ...failed(woke.error), notStarted: true };
  return { ...report, started: woke.woke ? "woke" : "live" };
}

/** One line per peer as it is done: what changed, whether it runs. */
function tell(r: PeerReport): void {
  if (!r.ok)
    process.stderr.write(
      `iapeer: ${r.notStarted ? `${say(r)}, but not started: ` : `${r.peer}: `}${r.error}\n`,
    );
  else if (r.action === "unchanged") consola.info(say(r));
  else consola.success(say(r));
  const service = r.service as { error?: string } | undefined;
  if (service?.error)
    consola.warn(
      `${r.peer} is always-on, but its service is not installed: ${service.error}; \`iapeer service install --peer ${r.peer}\` tries again`,
    );
}

function say(r: PeerReport): string {
  const what = r.action === "updated" ? `updated (${r.changed?.join(", ")})` : r.action;
  const started =
    r.started === "woke"
      ? r.action === "updated" && !(r.changed ?? []).every((c) => UNSEEN.has(c))
        ? ", restarted"
        : ", started"
      : r.started === "live"
        ? ", running"
        : r.started === "always-on"
          ? ", always-on (its service runs it)"
          : "";
  return `${r.peer}: ${what}${r.action === "removed" ? ` (its folder ${r.cwd} stays)` : started}`;
}

export default defineCommand({
  meta: {
    name: "up",
    description: "Create, update and start the peers of a fleet file (iapeer.toml)",
  },
  args: {
    file: fleetFileArg,
    prune: {
      type: "boolean",
      description: "Also remove the peers an earlier up of this file made that it no longer lists",
      default: false,
    },
    "dry-run": {
      type: "boolean",
      description: "Print what up would do, and change nothing",
      default: false,
    },
    adopt: {
      type: "boolean",
      description: "Take over peers another fleet file holds (refused without it)",
      default: false,
    },
    json: jsonArg,
  },
  async run({ args }) {
    const fleet = await loadFleet(args.file);
    const host = requireHost({ check: true });
    // Runs of one file wait for each other, then each finds what the one before made.
    const lock = await lockFleet(host.layout, FLEET_LOCK_WAIT_MS, () =>
      consola.info("waiting for another `iapeer up` in this home to finish"),
    );
    if (!lock.ok) throw actionError(lock.error);
    try {
      await upLocked(host, fleet, {
        prune: args.prune,
        adopt: args.adopt,
        dryRun: args["dry-run"],
        json: args.json,
      });
    } finally {
      lock.release();
    }
  },
});

/** How long an `up` waits for another one: starting many agents can take minutes. */
const FLEET_LOCK_WAIT_MS = 10 * 60_000;

interface UpOptions {
  prune: boolean;
  adopt: boolean;
  dryRun: boolean;
  json: boolean;
}

async function upLocked(host: Host, fleet: FleetFile, opts: UpOptions) {
  const { json } = opts;
  const members = fleetMembers(host.layout, fleet.path);
  let plan: PlannedPeer[];
  try {
    plan = planFleet(host, fleet, members, opts.prune, opts.adopt);
  } catch (error) {
    if (error instanceof FleetError) throw usageError(error.message);
    if (error instanceof FleetRefusal) throw actionError(`${fleet.path}: ${error.message}`);
    throw error;
  }
  // Like compose: a peer the file made and no longer lists is said, and left unless --prune.
  const orphans = opts.prune ? [] : orphansOf(host, fleet, members);
  if (opts.dryRun) return printPlan(fleet, plan, orphans, json);
  if (!json)
    for (const name of orphans)
      consola.warn(
        `${name}: orphaned (an earlier up of ${fleet.path} made it; the file no longer lists it); \`iapeer up --prune\` removes it`,
      );
  if (opts.adopt) {
    const taken = host.store.write(() =>
      releaseFromOthers(
        host.layout,
        fleet.path,
        fleet.entries.map((e) => e.name),
      ),
    );
    if (!taken.ok) throw actionError(`cannot record the fleet's peers: ${taken.error}`);
  }
  // The file's entries are its peers from now on (a prune may later remove only those).
  const listed = fleet.entries.map((e) => e.name);
  const record = (names: string[]) => {
    const r = host.store.write(() => setFleetMembers(host.layout, fleet.path, names));
    if (!r.ok) consola.warn(`cannot record the fleet's peers: ${r.error}`);
  };
  record([...members, ...listed]);
  const reports: PeerReport[] = [];
  for (const p of plan) {
    const r = await apply(host, p);
    reports.push(r);
    if (!json) tell(r);
  }
  const pruned = new Set(reports.filter((r) => r.ok && r.action === "removed").map((r) => r.peer));
  if (pruned.size > 0) record([...members, ...listed].filter((n) => !pruned.has(n)));
  const changed = reports.some((r) => r.action !== "unchanged");
  const allOk = reports.every((r) => r.ok);
  if (!allOk) process.exitCode = EXIT.failed;
  if (json) return printJson({ ok: allOk, file: fleet.path, changed, peers: reports, orphans });
  if (reports.length === 0) consola.info(`${fleet.path} lists no peers`);
  else if (!changed && !reports.some((r) => r.started === "woke"))
    consola.info(`nothing changed: ${reports.length} peers as ${fleet.path} says, all up`);
  else if (!changed) consola.info(`no settings changed: the peers are as ${fleet.path} says`);
}

/** `up --dry-run`: the plan, one line a peer (or JSON), and nothing done. */
function printPlan(fleet: FleetFile, plan: PlannedPeer[], orphans: string[], json: boolean): void {
  if (json) {
    printJson({ ok: true, file: fleet.path, dryRun: true, peers: plan, orphans });
    return;
  }
  const lines = plan.map(
    (p) =>
      `${p.name}: ${p.action === "unchanged" ? "unchanged" : `would be ${p.action === "updated" ? `updated (${p.changed?.join(", ")})` : p.action}`}`,
  );
  for (const name of orphans) lines.push(`${name}: orphaned (left as it is; --prune removes it)`);
  if (lines.length === 0) lines.push(`${fleet.path} lists no peers`);
  process.stdout.write(`${lines.join("\n")}\n`);
}
