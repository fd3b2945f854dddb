import {
  failureOfDatabase,
  type Opened,
  openHome,
  openHomeForRepair,
  type Repair,
} from "../daemon/open-home";
import type { Host } from "../home/host";
import { stopDaemon } from "./daemon-control";
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
 * The home, for the few commands that open the database in their own process (readers of the
 * journal, the daemon itself, and those that must work without a daemon; the architecture test
 * names them): a damaged one is refused with the way back (exit 1); with `check`, SQLite's
 * structural check runs first.
 */
export function requireHost(opts: { check?: boolean } = {}): Host {
  return opened(openHome(requireConfig(), opts)).host;
}

/**
 * For `verify`: with `fix`, a damaged database is set aside and a new one made. The daemon that
 * holds it open is stopped first (it cannot work on it either); the next command starts it again.
 */
export async function requireHostForVerify(fix: boolean): Promise<{ host: Host; repair?: Repair }> {
  const config = requireConfig();
  let r = openHomeForRepair(config, fix);
  if (!r.ok && r.heldBy !== undefined) {
    consola.info(`the daemon (pid ${r.heldBy}) has the damaged database open: stopping it first`);
    await stopDaemon(config);
    r = openHomeForRepair(config, fix);
  }
  const got = opened(r);
  return { host: got.host, ...("repair" in got && got.repair && { repair: got.repair }) };
}

/**
 * An error SQLite raised in the middle of a command, when it says the database is damaged or
 * out of reach: the one-line refusal to print instead of an internal error.
 */
export function databaseFailure(error: unknown): string | undefined {
  try {
    return failureOfDatabase(requireConfig(), error);
  } catch {
    return undefined;
  }
}
