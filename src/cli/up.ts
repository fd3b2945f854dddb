import { resolve } from "node:path";
import { defineCommand } from "citty";
import type { PeerReport } from "../daemon/fleet-actions";
import { FleetError, readFleet } from "../fleet/parse";
import type { PlannedPeer } from "../fleet/plan";
import { needsRestart } from "../fleet/unseen";
import { EXIT, usageError } from "./exit-codes";
import { consola } from "./log";
import { printJson } from "./output";
import { jsonArg } from "./peer-arg";
import { streamRegistry } from "./registry-client";

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

/** The daemon's answer to an up: what it did, or (dry run) would do. */
interface UpAnswer {
  ok: boolean;
  file: string;
  dryRun?: true;
  changed?: boolean;
  peers: (PeerReport | PlannedPeer)[];
  orphans: string[];
  /** Another up of this home went first, and this one waited for it. */
  waited?: true;
  warnings?: string[];
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
      ? r.action === "updated" && needsRestart(r.changed)
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
    // Read here for its errors (exit 2, no daemon needed); the daemon reads it again under the
    // fleet lock, and plans and applies it as the owner of the registry and the sessions.
    const fleet = await loadFleet(args.file);
    // The daemon tells each peer as it is done; the lines are printed as they come.
    if (process.stderr.isTTY && !args.json && !args["dry-run"])
      consola.start(`bringing up the ${fleet.entries.length} peers of ${fleet.path}`);
    const r = await streamRegistry<UpAnswer>(
      "/v1/fleet/up",
      { file: fleet.path, prune: args.prune, adopt: args.adopt, dryRun: args["dry-run"] },
      (line) => {
        if (line.waited) consola.info("waiting for another `iapeer up` in this home to finish");
        else if (args.json || args["dry-run"]) return;
        else if (Array.isArray(line.orphans)) warnOrphans(line.orphans as string[], fleet.path);
        else if (line.report) tell(line.report as PeerReport);
      },
    );
    if (r.dryRun) return printPlan(r, args.json);
    printDone(r, args.json);
  },
});

/** A peer an earlier up of the file made, which the file no longer lists: left unless --prune. */
function warnOrphans(names: string[], file: string): void {
  for (const name of names)
    consola.warn(
      `${name}: orphaned (an earlier up of ${file} made it; the file no longer lists it); \`iapeer up --prune\` removes it`,
    );
}

/** What up comes to, after its lines (or one JSON object). */
function printDone(r: UpAnswer, json: boolean): void {
  const reports = r.peers as PeerReport[];
  for (const warning of r.warnings ?? []) consola.warn(warning);
  if (!r.ok) process.exitCode = EXIT.failed;
  if (json) {
    const { ok, file, changed, peers, orphans } = r;
    printJson({ ok, file, changed, peers, orphans });
    return;
  }
  if (reports.length === 0) consola.info(`${r.file} lists no peers`);
  else if (!r.changed && !reports.some((p) => p.started === "woke"))
    consola.info(`nothing changed: ${reports.length} peers as ${r.file} says, all up`);
  else if (!r.changed) consola.info(`no settings changed: the peers are as ${r.file} says`);
}

/** `up --dry-run`: the plan, one line a peer (or JSON), and nothing done. */
function printPlan(r: UpAnswer, json: boolean): void {
  const plan = r.peers as PlannedPeer[];
  if (json) {
    printJson({ ok: true, file: r.file, dryRun: true, peers: plan, orphans: r.orphans });
    return;
  }
  const lines = plan.map(
    (p) =>
      `${p.name}: ${p.action === "unchanged" ? "unchanged" : `would be ${p.action === "updated" ? `updated (${p.changed?.join(", ")})` : p.action}`}`,
  );
  for (const name of r.orphans) lines.push(`${name}: orphaned (left as it is; --prune removes it)`);
  if (lines.length === 0) lines.push(`${r.file} lists no peers`);
  process.stdout.write(`${lines.join("\n")}\n`);
}
