/** Print a value as stable, indented JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Columns padded to their widest cell; the last column is not padded. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => [...(r[i] ?? "")].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === cells.length - 1 ? c : c + " ".repeat(Math.max(0, (widths[i] ?? 0) - [...c].length)),
      )
      .join("  ")
      .trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join("\n")}\n`);
}

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return "-";
  return duration((now - Date.parse(iso)) / 1000);
}

export function duration(totalSecs: number | undefined): string {
  if (totalSecs === undefined || !Number.isFinite(totalSecs)) return "-";
  const s = Math.max(0, Math.round(totalSecs));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400)
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, "0")}h`;
}

/**
 * A runtime's STATE cell: a failed one says when it is tried again (`failed (retry in 42s)`), not
 * the instant, which would make the table as wide as a timestamp. JSON keeps `failed_until`.
 */
export function stateCell(
  s: { state: string; failed_until?: string | undefined },
  now = Date.now(),
): string {
  if (s.state !== "failed" || !s.failed_until) return s.state;
  const left = (Date.parse(s.failed_until) - now) / 1000;
  return left > 0 ? `failed (retry in ${duration(Math.ceil(left))})` : "failed (retry due)";
}
