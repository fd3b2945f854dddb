import { existsSync, renameSync } from "node:fs";
import { type Config, loadConfig } from "../core/config";
import { EventLog } from "../core/event-log";
import { ensureLayout, layoutOf } from "../core/paths";
import { iapeerArgv } from "../core/self";
import type { Host } from "../lifecycle/context";
import { openStore, type Store } from "../store/db";
import { Journal } from "../store/journal";
import { actionError, usageError } from "./exit-codes";

/** Load the configuration for a command; a bad IAPEER_* value is bad input (exit 2). */
export function requireConfig(): Config {
  const config = loadConfig();
  if (!config.ok) throw usageError(config.error);
  return config.value;
}

/**
 * Everything a state-changing or state-reading command needs. With `rebuildCorruptDb`, a state
 * database that cannot be opened is moved aside and started anew (verify --fix then refills the
 * registry from the profiles).
 */
export function requireHost(opts: { rebuildCorruptDb?: boolean } = {}): Host {
  const config = requireConfig();
  const layout = layoutOf(config);
  const made = ensureLayout(layout, config.uid);
  if (!made.ok) throw actionError(made.error);
  let store = openStore(layout.dbPath);
  if (!store.ok && opts.rebuildCorruptDb && existsSync(layout.dbPath)) {
    const aside = `${layout.dbPath}.corrupt-${new Date().toISOString().replace(/[:.]/g, "")}`;
    renameSync(layout.dbPath, aside);
    for (const suffix of ["-wal", "-shm"])
      if (existsSync(layout.dbPath + suffix)) renameSync(layout.dbPath + suffix, aside + suffix);
    store = openStore(layout.dbPath);
  }
  if (!store.ok)
    throw actionError(
      `${store.error}; \`iapeer verify --fix\` rebuilds it from the peers' profiles`,
    );
  return hostOn(config, store.value);
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
