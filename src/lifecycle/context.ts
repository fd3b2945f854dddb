import type { Config } from "../core/config";
import type { EventLog } from "../core/event-log";
import type { Layout } from "../core/paths";
import type { Store } from "../store/db";

/** What lifecycle operations need: wired once by the CLI or the daemon. */
export interface Host {
  config: Config;
  layout: Layout;
  store: Store;
  /** lifecycle.log */
  events: EventLog;
  /** argv that runs this iapeer (sessions run `iapeer echo-agent`). */
  iapeer: readonly string[];
  now?: () => Date;
}

export const nowOf = (host: Host): Date => host.now?.() ?? new Date();
