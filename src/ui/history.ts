import type { Host } from "../home/host";
import { nowOf } from "../home/host";
import { deathsSince, describeDeath } from "../lifecycle/crash-guard";
import { allStates } from "../lifecycle/state";
import { deliveriesSince, senderPairsSince } from "../transport/messages";

const DAY_MS = 24 * 3600_000;
/** The shortest window drawn: a fleet minutes old still gets an axis a person can read. */
const MIN_SPAN_MS = 10 * 60_000;
/** Events that bring a session up, and those that take it down. */
const UP = ["launch", "always-on-start", "session-found"];
const DOWN = ["death", "sleep", "stop", "session-lost"];

interface Timeline {
  identity: string;
  personality: string;
  /** Times up (live), as [from, to] in ms since the epoch; the rest of the day it was down. */
  up: [number, number][];
  deaths: { ts: number; cause: string }[];
  deliveries: number[];
  /** A crash-loop back-off: wakes refused from..to. */
  failed: [number, number][];
}

interface History {
  /** The window drawn: the last 24 h, or the fleet's whole life when it is younger. */
  from: number;
  to: number;
  timelines: Timeline[];
  /** Who sent to whom in the window, and how it ended. */
  edges: { from: string; to: string; count: number; delivered: number }[];
}

/**
 * When the window starts: 24 h back, or, for a younger fleet, at its first event (10 minutes
 * back at the least), so a new fleet's hour fills the picture instead of a sliver at "now".
 */
function windowStart(host: Host, to: number): number {
  const first = host.store.db.query("SELECT MIN(ts) AS ts FROM events").get() as {
    ts: string | null;
  } | null;
  const born = first?.ts ? Date.parse(first.ts) : to;
  return Math.max(to - DAY_MS, Math.min(born, to - MIN_SPAN_MS));
}

/** Each peer × runtime over the last 24 h (or the fleet's life) from the events, deaths and messages. */
export function history(host: Host): History {
  const to = nowOf(host).getTime();
  const from = windowStart(host, to);
  const since = new Date(from).toISOString();
  const db = host.store.db;
  const marks = [...UP, ...DOWN].map(() => "?").join(", ");
  // Each identity's last up/down event before the window says how the window starts.
  const before = db
    .query(
      `SELECT identity, ev FROM events WHERE id IN (
         SELECT MAX(id) FROM events WHERE ts <= ? AND identity IS NOT NULL AND ev IN (${marks})
         GROUP BY identity)`,
    )
    .all(since, ...UP, ...DOWN) as { identity: string; ev: string }[];
  const within = db
    .query(
      `SELECT identity, ev, ts FROM events
       WHERE ts > ? AND identity IS NOT NULL AND ev IN (${marks}) ORDER BY id`,
    )
    .all(since, ...UP, ...DOWN) as { identity: string; ev: string; ts: string }[];
  const deaths = deathsSince(host, since);
  const delivered = deliveriesSince(host.store, since);
  const loops = db
    .query("SELECT ts, fields FROM events WHERE ev = 'crash-loop' AND ts > ?")
    .all(new Date(from - DAY_MS).toISOString()) as { ts: string; fields: string }[];

  const timelines = allStates(host).map((s): Timeline => {
    const up: [number, number][] = [];
    let upSince: number | undefined = UP.includes(
      before.find((b) => b.identity === s.identity)?.ev ?? "",
    )
      ? from
      : undefined;
    for (const e of within.filter((x) => x.identity === s.identity)) {
      const t = Date.parse(e.ts);
      if (UP.includes(e.ev)) upSince ??= t;
      else if (upSince !== undefined) {
        up.push([upSince, t]);
        upSince = undefined;
      }
    }
    // Up now: the band runs to now, whatever the events missed.
    if (s.pid !== undefined) up.push([upSince ?? to - (s.uptime_s ?? 0) * 1000, to]);
    else if (upSince !== undefined) up.push([upSince, to]);
    const failed = loops
      .map((l) => ({
        ts: Date.parse(l.ts),
        ...(JSON.parse(l.fields) as { peer?: string; until?: string }),
      }))
      .filter((l) => l.peer === s.personality && l.until && Date.parse(l.until) > from)
      .map((l): [number, number] => [
        Math.max(l.ts, from),
        Math.min(Date.parse(l.until as string), to),
      ]);
    return {
      identity: s.identity,
      personality: s.personality,
      up,
      deaths: deaths
        .filter((d) => d.identity === s.identity)
        .map((d) => ({
          ts: Date.parse(d.ts),
          cause: describeDeath(d),
        })),
      // A message that names no runtime went to the peer's default one.
      deliveries: delivered
        .filter(
          (m) =>
            m.recipient === s.personality &&
            (m.runtime ?? (s.default ? s.runtime : "")) === s.runtime,
        )
        .map((m) => Date.parse(m.delivered_at)),
      failed,
    };
  });

  const edges = senderPairsSince(host.store, since);
  return { from, to, timelines, edges };
}
