import type { Config } from "../core/config";
import { EventLog } from "../core/event-log";
import { type Layout, layoutOf } from "../core/paths";
import { iapeerArgv } from "../core/self";
import type { Store } from "../store/db";
import { type EventSink, Journal } from "../store/journal";

/** One home (IAPEER_HOME) and what every room below the daemon needs of it: settings, paths, the state database, the journals and the clock. Wired once, by openHome. */
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
