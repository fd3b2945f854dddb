import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../core/config";
import { ensureLayout, layoutOf } from "../core/paths";
import { type Host, hostOn } from "../home/host";
import {
  adoptRunningSessions,
  runningIdentities,
  runningSessionFolders,
  socketIdentities,
} from "../lifecycle/adopt";
import { hasFolderIndex, readFolderIndex, writeFolderIndex } from "../registry/folder-index";
import { profilePath } from "../registry/profile";
import { listPeers } from "../registry/registry";
import { type VerifyReport, verifyRegistry } from "../registry/verify";
import { openState, type Store } from "../store/db";
import { type Damage, damageFromError, describeDamage } from "../store/health";
import { salvageQueue, setAside } from "../store/salvage";
import { runningDaemon } from "./info";

/**
 * The composition root: a home's settings, layout and state database wired into a Host, with
 * the policy for a database that is missing (rebuilt from the disk) or damaged (refused, or set
 * aside by `verify --fix`). The daemon runs on it; so do the few commands that work without one.
 */

export type Opened =
  | { ok: true; host: Host; notice?: string }
  | { ok: false; error: string; damage?: Damage };

/** What to do about a damaged database, after what is wrong: one line, the way back in it. */
export function refusal(damage: Damage): string {
  if (damage.kind === "unreadable")
    return `${describeDamage(damage)}; nothing was changed. It is not damaged, only out of reach: fix its permissions, owner or read-only mount, then try again (\`iapeer verify --fix\` does not replace a database it cannot read)`;
  return `${describeDamage(damage)}; nothing was changed. \`iapeer verify --fix\` sets it aside, keeps the undelivered messages it can still read and rebuilds the registry from the peers' profiles`;
}

const refused = (r: { error: string; damage?: Damage }): Opened => ({
  ok: false,
  error: r.damage ? refusal(r.damage) : r.error,
  ...(r.damage && { damage: r.damage }),
});

/**
 * Open a home. A database that is empty, cut short, damaged or out of reach is refused with the
 * way back, and nothing is changed; with `check`, SQLite's structural check runs first. Where
 * there is no database, a new one is made, and the registry rebuilt when the disk still has
 * peers (the folder index, profiles under peers/, running sessions).
 */
export function openHome(config: Config, opts: { check?: boolean } = {}): Opened {
  const layout = layoutOf(config);
  const made = ensureLayout(layout, config.uid);
  if (!made.ok) return made;
  const opened = openState(layout.dbPath, { quickCheck: opts.check === true });
  if (!opened.ok) return refused(opened);
  return readyHost(config, opened.store, opened.created);
}

/** What `verify --fix` did to a damaged database, besides rebuilding the registry. */
export interface Repair {
  damage: Damage;
  setAside: string;
  salvaged: number;
  salvageError?: string;
}

/**
 * For `verify`: like openHome, but with `fix` a damaged database (empty, cut short, not a
 * database, failing the structural check) is set aside, a new one made, and the undelivered
 * messages SQLite can still read of the old one copied in. A database that opens and checks
 * fine, or one that is only out of reach, is never set aside.
 */
export function openHomeForRepair(
  config: Config,
  fix: boolean,
):
  | { ok: true; host: Host; repair?: Repair; notice?: string }
  | { ok: false; error: string; heldBy?: number } {
  const layout = layoutOf(config);
  const made = ensureLayout(layout, config.uid);
  if (!made.ok) return made;
  const opened = openState(layout.dbPath, { quickCheck: true });
  if (opened.ok) return readyHost(config, opened.store, opened.created);
  const damage = opened.damage;
  if (!fix || !damage || damage.kind === "unreadable") return refused(opened);
  const daemon = runningDaemon(layout);
  if (daemon)
    return {
      ok: false,
      error: `${describeDamage(damage)}; the daemon (pid ${daemon.pid}) has it open: stop it first (\`iapeer daemon stop\`), then run \`iapeer verify --fix\` again`,
      heldBy: daemon.pid,
    };
  const aside = setAside(layout.dbPath);
  if (!aside.ok) return aside;
  const fresh = openState(layout.dbPath, { quickCheck: false });
  if (!fresh.ok) return refused(fresh);
  const salvage = salvageQueue(aside.value, fresh.store);
  const host = hostOn(config, fresh.store);
  host.events.write("database-set-aside", {
    kind: damage.kind,
    aside: aside.value,
    salvaged: salvage.salvaged,
  });
  return {
    ok: true,
    host,
    repair: {
      damage,
      setAside: aside.value,
      salvaged: salvage.salvaged,
      ...(salvage.error && { salvageError: salvage.error }),
    },
  };
}

/** A host on an open store; a database just made where the disk still has peers is refilled. */
function readyHost(
  config: Config,
  store: Store,
  created: boolean,
): { ok: true; host: Host; notice?: string } {
  const host = hostOn(config, store);
  let notice: string | undefined;
  if (created && peersOnDisk(host)) {
    const report = rebuildFromDisk(host, true);
    if (report.peers > 0 || report.broken > 0)
      notice = `the state database was missing: made a new one and rebuilt the registry from the peers' profiles (${report.peers} peers); messages queued in the old one are lost`;
  }
  ensureFolderIndex(host);
  return { ok: true, host, ...(notice && { notice }) };
}

/** Whether a home with no database still has peers: a folder index, profiles or sessions. */
function peersOnDisk(host: Host): boolean {
  const index = readFolderIndex(host.layout);
  if (!index.ok || index.value.length > 0) return true;
  const dir = host.layout.peersDir;
  if (existsSync(dir) && readdirSync(dir).some((name) => existsSync(profilePath(join(dir, name)))))
    return true;
  return socketIdentities(host).length > 0;
}

/**
 * Compare the registry with the disk (the folder index, the profiles, the running sessions);
 * with `fix`, rebuild it from them and find the running sessions again.
 */
export function rebuildFromDisk(host: Host, fix: boolean): VerifyReport {
  const report = verifyRegistry(host, fix, {
    running: runningIdentities(host),
    sessionFolders: () => runningSessionFolders(host),
  });
  if (fix) adoptRunningSessions(host);
  return report;
}

/** A home from before the folder index gets one, from its registry. */
function ensureFolderIndex(host: Host): void {
  if (hasFolderIndex(host.layout)) return;
  host.store.write(() => {
    if (hasFolderIndex(host.layout)) return;
    writeFolderIndex(
      host.layout,
      listPeers(host.store).map((p) => p.cwd),
    );
  });
}

/** An SQLite error met mid-command, when it says the database is damaged: the line to print. */
export function failureOfDatabase(config: Config, error: unknown): string | undefined {
  const damage = damageFromError(layoutOf(config).dbPath, error);
  return damage && refusal(damage).replace("; nothing was changed.", ";");
}
