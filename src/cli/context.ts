import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type Config, loadConfig } from "../core/config";
import { EventLog } from "../core/event-log";
import { ensureLayout, type Layout, layoutOf } from "../core/paths";
import { iapeerArgv } from "../core/self";
import { runningDaemon } from "../daemon/info";
import {
  adoptRunningSessions,
  runningIdentities,
  runningSessionFolders,
  socketIdentities,
} from "../lifecycle/adopt";
import type { Host } from "../lifecycle/context";
import { hasFolderIndex, readFolderIndex, writeFolderIndex } from "../registry/folder-index";
import { profilePath } from "../registry/profile";
import { listPeers } from "../registry/registry";
import { type VerifyReport, verifyRegistry } from "../registry/verify";
import { type Opened, openState, type Store } from "../store/db";
import { type Damage, damageFromError, describeDamage } from "../store/health";
import { Journal } from "../store/journal";
import { salvageQueue, setAside } from "../store/salvage";
import { actionError } from "./exit-codes";
import { consola } from "./log";
import { requireConfig } from "./need-config";

export { requireConfig } from "./need-config";

function requireLayout(): { config: Config; layout: Layout } {
  const config = requireConfig();
  const layout = layoutOf(config);
  const made = ensureLayout(layout, config.uid);
  if (!made.ok) throw actionError(made.error);
  return { config, layout };
}

/** What to do about a damaged database, after what is wrong: one line, the way back in it. */
export function refusal(damage: Damage): string {
  if (damage.kind === "unreadable")
    return `${describeDamage(damage)}; nothing was changed. It is not damaged, only out of reach: fix its permissions, owner or read-only mount, then try again (\`iapeer verify --fix\` does not replace a database it cannot read)`;
  return `${describeDamage(damage)}; nothing was changed. \`iapeer verify --fix\` sets it aside, keeps the undelivered messages it can still read and rebuilds the registry from the peers' profiles`;
}

function refused(opened: Exclude<Opened, { ok: true }>): never {
  throw actionError(opened.damage ? refusal(opened.damage) : opened.error);
}

/**
 * Everything a state-changing or state-reading command needs. A database that is empty, cut
 * short, damaged or out of reach is refused with the way back, and nothing is changed; with
 * `check`, SQLite's structural check runs first (commands that change state, the daemon).
 * Where there is no database, a new one is made, and the registry rebuilt when the disk still
 * has peers (the folder index, profiles under peers/, running sessions).
 */
export function requireHost(opts: { check?: boolean } = {}): Host {
  const { config, layout } = requireLayout();
  const opened = openState(layout.dbPath, { quickCheck: opts.check === true });
  if (!opened.ok) refused(opened);
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
 * For `verify`: like requireHost, but with `fix` a damaged database (empty, cut short, not a
 * database, failing the structural check) is set aside, a new one made, and the undelivered
 * messages SQLite can still read of the old one copied in. A database that opens and checks
 * fine, or one that is only out of reach, is never set aside.
 */
export function requireHostForVerify(fix: boolean): { host: Host; repair?: Repair } {
  const { config, layout } = requireLayout();
  const opened = openState(layout.dbPath, { quickCheck: true });
  if (opened.ok) return { host: readyHost(config, opened.store, opened.created) };
  const damage = opened.damage;
  if (!fix || !damage || damage.kind === "unreadable") refused(opened);
  const daemon = runningDaemon(layout);
  if (daemon)
    throw actionError(
      `${describeDamage(damage)}; the daemon (pid ${daemon.pid}) has it open: stop it first, then run \`iapeer verify --fix\` again`,
    );
  const aside = setAside(layout.dbPath);
  if (!aside.ok) throw actionError(aside.error);
  const fresh = openState(layout.dbPath, { quickCheck: false });
  if (!fresh.ok) refused(fresh);
  const salvage = salvageQueue(aside.value, fresh.store);
  const host = hostOn(config, fresh.store);
  host.events.write("database-set-aside", {
    kind: damage.kind,
    aside: aside.value,
    salvaged: salvage.salvaged,
  });
  return {
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
function readyHost(config: Config, store: Store, created: boolean): Host {
  const host = hostOn(config, store);
  if (created && peersOnDisk(host)) {
    const report = rebuildFromDisk(host, true);
    if (report.peers > 0 || report.broken > 0)
      consola.warn(
        `the state database was missing: made a new one and rebuilt the registry from the peers' profiles (${report.peers} peers); messages queued in the old one are lost`,
      );
  }
  ensureFolderIndex(host);
  return host;
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

/**
 * An error SQLite raised in the middle of a command, when it says the database is damaged or
 * out of reach: the one-line refusal to print instead of an internal error.
 */
export function databaseFailure(error: unknown): string | undefined {
  const config = loadConfig();
  if (!config.ok) return undefined;
  const damage = damageFromError(layoutOf(config.value).dbPath, error);
  return damage && refusal(damage).replace("; nothing was changed.", ";");
}

/** Wire a host from settings and an open store: lifecycle and delivery journals included. */
export function hostOn(config: Config, store: Store): Host {
  const layout = layoutOf(config);
  const rotation = { maxBytes: config.logMaxBytes, files: config.logFiles };
  return {
    config,
    layout,
    store,
    events: new Journal(new EventLog(layout.lifecycleLog, rotation), store),
    deliveries: new Journal(new EventLog(layout.deliveryLog, rotation), store),
    iapeer: iapeerArgv(),
  };
}
