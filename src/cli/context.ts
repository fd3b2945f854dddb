import { layoutOf } from "../core/paths";
import {
  type Opened,
  openHome,
  openHomeForRepair,
  type Repair,
  refusal,
} from "../daemon/open-home";
import type { Host } from "../home/host";
import { damageFromError } from "../store/health";
import { actionError } from "./exit-codes";
import { consola } from "./log";
import { requireConfig } from "./need-config";

export type { Repair } from "../daemon/open-home";
export { requireConfig } from "./need-config";

function opened(r: Opened | ReturnType<typeof openHomeForRepair>) {
  if (!r.ok) throw actionError(r.error);
  if (r.notice) consola.warn(r.notice);
  return r;
}

/**
 * The home, for the commands that still act on the database in their own process (registry
 * changes, readers of the journal, and those that must work without a daemon): a damaged one
 * is refused with the way back (exit 1); with `check`, SQLite's structural check runs first.
 */
export function requireHost(opts: { check?: boolean } = {}): Host {
  return opened(openHome(requireConfig(), opts)).host;
}

/** For `verify`: with `fix`, a damaged database is set aside and a new one made. */
export function requireHostForVerify(fix: boolean): { host: Host; repair?: Repair } {
  const r = opened(openHomeForRepair(requireConfig(), fix));
  return { host: r.host, ...("repair" in r && r.repair && { repair: r.repair }) };
}

/**
 * An error SQLite raised in the middle of a command, when it says the database is damaged or
 * out of reach: the one-line refusal to print instead of an internal error.
 */
export function databaseFailure(error: unknown): string | undefined {
  let config: ReturnType<typeof requireConfig>;
  try {
    config = requireConfig();
  } catch {
    return undefined;
  }
  const damage = damageFromError(layoutOf(config).dbPath, error);
  return damage && refusal(damage).replace("; nothing was changed.", ";");
}
