/**
 * logfmt lines: `ts=<ISO-8601 UTC> ev=<event> key=value …`. A value is quoted when it holds a
 * space, `"`, `=`, a backslash or a control character; inside quotes `"`, `\` and control
 * characters are backslash-escaped, so one record is always exactly one line.
 */

type LogValue = string | number | boolean | null | undefined;
export type LogFields = Record<string, LogValue>;

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we look for
const NEEDS_QUOTES = /[\s"=\\\u0000-\u001f\u007f]/;

export function formatValue(value: LogValue): string {
  const text = value === null || value === undefined ? "" : String(value);
  if (!NEEDS_QUOTES.test(text)) return text;
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Keys that are not logfmt-safe are rewritten rather than dropped: a log line never throws. */
function safeKey(key: string): string {
  return KEY_PATTERN.test(key)
    ? key
    : key.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^[^A-Za-z_]/, "_$&");
}

export function formatLine(ev: string, fields: LogFields = {}, now: Date = new Date()): string {
  const parts = [`ts=${now.toISOString()}`, `ev=${formatValue(ev)}`];
  for (const [key, value] of Object.entries(fields)) {
    if (key === "ts" || key === "ev") continue;
    parts.push(`${safeKey(key)}=${formatValue(value)}`);
  }
  return parts.join(" ");
}

const UNESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

/** Parse one logfmt line into key → string. Bare keys (no `=`) map to "". */
export function parseLine(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && line[i] === " ") i++;
    if (i >= n) break;
    let key = "";
    while (i < n && line[i] !== "=" && line[i] !== " ") key += line[i++];
    if (line[i] !== "=") {
      if (key) out[key] = "";
      continue;
    }
    i++;
    let value = "";
    if (line[i] === '"') {
      i++;
      while (i < n && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < n) {
          const next = line[i + 1] as string;
          if (next === "u" && /^[0-9a-f]{4}$/i.test(line.slice(i + 2, i + 6))) {
            value += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          value += UNESCAPES[next] ?? next;
          i += 2;
          continue;
        }
        value += line[i++];
      }
      i++;
    } else {
      while (i < n && line[i] !== " ") value += line[i++];
    }
    out[key] = value;
  }
  return out;
}
