import { parseIdentity } from "../core/names";

/**
 * How `logs` writes a line: as text, after the time it was written with `--timestamps`, or as
 * one JSON object with `--json`. A pane log keeps no time per line (it is the terminal's raw
 * stream), so only a line seen arriving while following has one; the backlog's have none.
 */

export interface LogStyle {
  json: boolean;
  timestamps: boolean;
}

export interface LogLine {
  identity: string;
  /** When it was written, when that is known. */
  at: Date | undefined;
  text: string;
}

/** What stands in the time column for a line whose time is not known: as wide as a time. */
const UNKNOWN = "-".padEnd(new Date(0).toISOString().length);

/** One line of output, its newline included; `prefix` is the peer's column, "" for none. */
export function formatLine(style: LogStyle, line: LogLine, prefix: string): string {
  if (style.json) {
    const id = parseIdentity(line.identity);
    return `${JSON.stringify({
      peer: id.ok ? id.value.personality : line.identity,
      runtime: id.ok ? id.value.runtime : "",
      identity: line.identity,
      ts: line.at?.toISOString() ?? null,
      line: line.text,
    })}\n`;
  }
  const stamp = style.timestamps ? `${line.at?.toISOString() ?? UNKNOWN} ` : "";
  return `${stamp}${prefix === "" ? "" : `${prefix} `}${line.text}\n`;
}
