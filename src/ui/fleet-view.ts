import { VERSION } from "../core/version";
import { type Host, nowOf } from "../home/host";
import { deathTallies, describeDeath } from "../lifecycle/crash-guard";
import { allStates, type PeerRuntimeState } from "../lifecycle/state";
import { lastEventId } from "../store/journal";
import { recipientCounts } from "../transport/messages";

const DAY_MS = 24 * 3600_000;

/** One row of the fleet view: `iapeer list`'s row and what the last 24 h say about it. */
interface FleetRow extends PeerRuntimeState {
  queued: number;
  deliveries_24h: number;
  deaths_24h: number;
  last_death?: { ts: string; cause: string; detail?: string };
  /** Seconds of crash-loop back-off left (wakes refused until `failed_until`). */
  backoff_s?: number;
}

export interface Fleet {
  now: string;
  /** The event the rows are current to: the live view follows the stream from here. */
  last_event: number;
  version: string;
  rows: FleetRow[];
}

export function fleet(host: Host): Fleet {
  const last_event = lastEventId(host.store);
  const now = nowOf(host).getTime();
  const since = new Date(now - DAY_MS).toISOString();
  const counts = recipientCounts(host.store, since);
  const deaths = deathTallies(host, since);
  const rows = allStates(host).map((s): FleetRow => {
    // A message that names no runtime goes to the peer's default one.
    const mine = counts.filter(
      (c) =>
        c.recipient === s.personality && (c.runtime ?? (s.default ? s.runtime : "")) === s.runtime,
    );
    const died = deaths.get(s.identity);
    const backoff = s.failed_until ? Math.ceil((Date.parse(s.failed_until) - now) / 1000) : 0;
    return {
      ...s,
      queued: mine.reduce((n, c) => n + c.waiting, 0),
      deliveries_24h: mine.reduce((n, c) => n + c.delivered, 0),
      deaths_24h: died?.count ?? 0,
      ...(died && {
        last_death: {
          ts: died.last.ts,
          cause: describeDeath(died.last),
          ...(died.last.detail !== undefined && { detail: died.last.detail }),
        },
      }),
      ...(backoff > 0 && { backoff_s: backoff }),
    };
  });
  return { now: new Date(now).toISOString(), last_event, version: VERSION, rows };
}
