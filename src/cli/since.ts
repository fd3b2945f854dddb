import { fail, ok, type Result } from "../core/result";

/**
 * `--since` as journalctl and pm2 users type it: a duration back from now (`30s`, `10m`, `2h`,
 * `1d`, or `1h30m`), an ISO time (local time when it names no zone, as journalctl reads it), or,
 * where the command allows it, an event id (a whole number).
 */
type Since = { kind: "time"; at: Date } | { kind: "id"; id: number };

const UNIT_SECS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const DURATION = /^(?:\d+[smhd])+$/;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** The one line that says what `--since` takes. */
export function sinceForms(ids: boolean): string {
  const forms = [
    "a duration (30s, 10m, 2h, 1d)",
    "an ISO time (2026-11-25T14:00, 2026-11-25T14:00:00Z)",
  ];
  if (ids) forms.push("an event id (a whole number)");
  return `--since takes ${forms.slice(0, -1).join(", ")} or ${forms.at(-1)}`;
}

function fromIso(text: string): Date | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = Number((m[7] ?? "0").padEnd(3, "0"));
  const zone = m[8];
  // 2026-02-30 would roll over into March: not a day that exists.
  const real = new Date(Date.UTC(year, month - 1, day));
  if (real.getUTCMonth() !== month - 1 || real.getUTCDate() !== day) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (zone === undefined) return new Date(year, month - 1, day, hour, minute, second, millis);
  const offsetMinutes =
    zone === "Z"
      ? 0
      : (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  return new Date(
    Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000,
  );
}

/** Read a `--since` value; `ids` allows an event id. */
export function parseSince(text: string, ids: boolean, now: Date = new Date()): Result<Since> {
  const value = text.trim();
  if (/^\d+$/.test(value)) {
    return ids ? ok({ kind: "id", id: Number(value) }) : fail(sinceForms(false));
  }
  if (DURATION.test(value)) {
    let secs = 0;
    for (const [, n, unit] of value.matchAll(/(\d+)([smhd])/g))
      secs += Number(n) * (UNIT_SECS[unit as string] ?? 0);
    return ok({ kind: "time", at: new Date(now.getTime() - secs * 1000) });
  }
  const at = fromIso(value);
  return at ? ok({ kind: "time", at }) : fail(sinceForms(ids));
}
