import type { Host } from "../home/host";
import { nowOf } from "../home/host";
import { deathsSince, describeDeath } from "../lifecycle/crash-guard";
import { allStates } from "../lifecycle/state";
import { deliveriesSince, senderPairsSince } from "../transport/messages";

const DAY_MS = 24 * 3600_000;
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
  from: number;
  to: number;
  timelines: Timeline[];
  /** Who sent to whom in the window, and how it ended. */
  edges: { from: string; to: string; count: number; delivered: number }[];
}

/** The last 24 h of each peer × runtime from the events, deaths and messages tables. */
export function history(host: Host): History {
  const to = nowOf(host).getTime();
  const from = to - DAY_MS;
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
