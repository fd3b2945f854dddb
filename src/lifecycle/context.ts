import type { Config } from "../core/config";
import type { Layout } from "../core/paths";
import type { Store } from "../store/db";
import type { EventSink } from "../store/journal";

/** What lifecycle operations need: wired once by the CLI or the daemon. */
export interface Host {
  config: Config;
  layout: Layout;
  store: Store;
  /** lifecycle.log (and the events table) */
  events: EventSink;
  /** delivery.log (and the events table) */
  deliveries: EventSink;
  /** argv that runs this iapeer (sessions run `iapeer echo-agent`). */
  iapeer: readonly string[];
  now?: () => Date;
}

export const nowOf = (host: Host): Date => host.now?.() ?? new Date();
