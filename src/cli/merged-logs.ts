import { formatLine, type LogStyle } from "./log-format";
import { bytesFrom, plainLine, sizeOf, tail, writtenAt } from "./log-read";

/**
 * Several pane logs as one stream, as `pm2 logs` shows its processes: each line prefixed with
 * the peer it came from, padded so the text lines up, the prefix coloured per peer on a
 * terminal. Pane logs are a terminal's raw stream, so lines are shown as plain text and blank
 * ones (what a screen redraw leaves) are left out.
 */

export interface LogSource {
  /** Which session: the key a source is known by across looks. */
  identity: string;
  /** What its lines are prefixed with. */
  label: string;
  path: string;
}

interface MergedOptions {
  lines: number;
  /** Only logs written at or after this time show their last lines. */
  since?: Date;
  follow: boolean;
  colour: boolean;
  /** Text, with times, or JSON lines. */
  style: LogStyle;
  /** Each line after its peer's name; false for one peer's log alone. */
  prefix: boolean;
  /** The sources now, looked up again while following (new peers join the stream). */
  sources: () => LogSource[];
  write: (text: string) => void;
}

const POLL_MS = 250;
const REDISCOVER_MS = 2000;
/** A line with no newline yet (a prompt) is shown once its log has been quiet this long. */
const PARTIAL_MS = 1000;
const COLOURS = [36, 33, 35, 32, 34, 31, 96, 93, 95, 92, 94, 91];

const shown = (line: string): boolean => plainLine(line) !== "";

interface Followed {
  source: LogSource;
  colour: number;
  end: number;
  /** What follows the last newline read so far. */
  partial: string;
  /** Keeps a character split between two reads whole. */
  decoder: TextDecoder;
  grewAt: number;
}

export async function showMerged(options: MergedOptions): Promise<void> {
  const followed = new Map<string, Followed>();
  const startedAt = Date.now();
  let width = 0;

  /** Write whole lines; `at` is when they were written, undefined for the backlog's. */
  const print = (f: Followed, raw: string[], at?: Date) => {
    const lines = raw.map(plainLine).filter((l) => l !== "");
    if (lines.length === 0) return;
    const label = f.source.label.padEnd(width);
    const prefix = !options.prefix
      ? ""
      : options.colour
        ? `\u001b[${f.colour}m${label} |\u001b[0m`
        : `${label} |`;
    const identity = f.source.identity;
    options.write(
      lines.map((text) => formatLine(options.style, { identity, at, text }, prefix)).join(""),
    );
  };

  const take = (f: Followed, text: string, at: Date) => {
    const parts = (f.partial + text).split("\n");
    f.partial = parts.pop() as string;
    print(f, parts, at);
  };

  /** Add sources not seen yet; `backlog` shows their last lines, else a new one starts at 0. */
  const join = (backlog: boolean) => {
    const fresh = options.sources().filter((s) => !followed.has(s.identity));
    for (const source of fresh) {
      const f: Followed = {
        source,
        colour: COLOURS[followed.size % COLOURS.length] as number,
        end: 0,
        partial: "",
        decoder: new TextDecoder(),
        grewAt: Date.now(),
      };
      followed.set(source.identity, f);
      width = Math.max(width, source.label.length);
      if (!backlog) {
        // A log written since the stream began is new: all of it; an older one from its end.
        const at = writtenAt(source.path);
        f.end = at && at.getTime() >= startedAt ? 0 : sizeOf(source.path);
      }
    }
    if (!backlog) return;
    for (const source of fresh) {
      const f = followed.get(source.identity) as Followed;
      const at = writtenAt(source.path);
      const recent = options.since === undefined || (at !== undefined && at >= options.since);
      if (!recent || options.lines === 0) {
        f.end = sizeOf(source.path);
        continue;
      }
      const { text, end } = tail(source.path, options.lines, shown);
      f.end = end;
      const parts = text.split("\n");
      const partial = parts.pop() as string;
      // Not following, the line still being written (a prompt) is one of the last N; following,
      // it waits to be finished.
      if (options.follow) f.partial = partial;
      else parts.push(partial);
      print(f, parts.filter(shown).slice(-options.lines));
    }
  };

  join(true);
  if (!options.follow) return;
  let lookedAt = Date.now();
  for (;;) {
    await Bun.sleep(POLL_MS);
    const now = Date.now();
    if (now - lookedAt >= REDISCOVER_MS) {
      join(false);
      lookedAt = now;
    }
    for (const f of followed.values()) {
      if (sizeOf(f.source.path) < f.end) f.end = 0; // truncated (rotated) or replaced
      const { bytes, end } = bytesFrom(f.source.path, f.end);
      f.end = end;
      if (bytes.length > 0) {
        take(f, f.decoder.decode(bytes, { stream: true }), new Date(now));
        f.grewAt = now;
      } else if (f.partial && now - f.grewAt >= PARTIAL_MS) {
        print(f, [f.partial], new Date(f.grewAt));
        f.partial = "";
      }
    }
  }
}
