import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { validatePersonality } from "../core/names";
import { printable } from "../core/one-line";
import { PROFILE_KEYS } from "../registry/assign";
import { RUNTIME_KEYS } from "../registry/settings-keys";
import { boundedText, MAX_FLEET_BYTES } from "./bounds";

/**
 * A fleet file (`iapeer.toml`): one `[peers.<name>]` table per peer, with the keys `set` takes
 * (`runtime` or `runtimes`, `path`, `description`, `always-on`, `command`, `prompt`, …) and a
 * `[peers.<name>.<runtime>]` table for the settings of a runtime that is not the default one.
 * Every error names the file, the line and the key.
 */

export interface FleetEntry {
  name: string;
  /** Scalars and lists as written, by key. */
  keys: Record<string, unknown>;
  /** `[peers.<name>.<runtime>]`: settings of a named runtime. */
  runtimeTables: Record<string, Record<string, unknown>>;
}

export interface FleetFile {
  path: string;
  text: string;
  entries: FleetEntry[];
}

/** A problem with the file: `file:line: key: message`. */
export class FleetError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly key: string | undefined,
    readonly reason: string,
  ) {
    // A key or value quoted from a hostile file must not redraw the terminal it is shown on.
    super(printable(`${file}${line ? `:${line}` : ""}: ${key ? `${key}: ` : ""}${reason}`));
    this.name = "FleetError";
  }
}

/** Keys of a peer's table besides the runtime settings. */
const ENTRY_KEYS: Record<string, string> = {
  runtime: "its runtime (or runtimes = [...])",
  path: "its folder, relative to the file's (default $IAPEER_HOME/peers/<name>)",
  ...PROFILE_KEYS,
};

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const keyRe = (key: string) => `(?:${escapeRe(key)}|"${escapeRe(key)}"|'${escapeRe(key)}')`;

/**
 * The line of `peers.<name>[.<table>]`'s header, or of a key in it: found simply, by reading
 * the text (a header `[peers.name]`, then `key =` before the next header); undefined for the
 * forms this does not follow (inline tables, dotted keys).
 */
export function lineOf(text: string, path: string[]): number | undefined {
  const lines = text.split("\n");
  const [, name, ...rest] = path;
  if (name === undefined) return undefined;
  const tables = rest.length > 1 ? [rest[0] as string] : [];
  const key = rest.length > 1 ? rest[1] : rest[0];
  const header = new RegExp(
    `^\\s*\\[\\s*peers\\s*\\.\\s*${keyRe(name)}${tables.map((t) => `\\s*\\.\\s*${keyRe(t)}`).join("")}\\s*\\]`,
  );
  const start = lines.findIndex((l) => header.test(l));
  if (start < 0) return undefined;
  if (key === undefined) return start + 1;
  const assign = new RegExp(`^\\s*${keyRe(key)}\\s*=`);
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (/^\s*\[/.test(line)) break;
    if (assign.test(line)) return i + 1;
  }
  return start + 1;
}

/** The line of a key or table at the top of the file. */
function topLine(text: string, key: string): number | undefined {
  const re = new RegExp(`^\\s*(?:\\[\\[?\\s*)?${keyRe(key)}\\s*[=.\\]]`);
  const i = text.split("\n").findIndex((l) => re.test(l));
  return i < 0 ? undefined : i + 1;
}

const isTable = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** Where Bun's TOML loader says a syntax error is: it gives the line only when importing. */
async function syntaxLine(path: string): Promise<number | undefined> {
  try {
    await import(path, { with: { type: "toml" } });
  } catch (error) {
    const line = (error as { position?: { line?: number } }).position?.line;
    return typeof line === "number" ? line : undefined;
  }
  return undefined;
}

/**
 * The file's size and its bytes, never more than `limit` of them: a 50 MB file (or a pipe that
 * never ends) costs no more than a 1 MB one.
 */
function readAtMost(path: string, limit: number): { size: number; bytes: Uint8Array } {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size >= limit) return { size, bytes: new Uint8Array(0) };
    const buffer = new Uint8Array(limit);
    let got = 0;
    for (;;) {
      const n = readSync(fd, buffer, got, limit - got, null);
      if (n === 0 || got + n >= limit) return { size: got + n, bytes: buffer.subarray(0, got + n) };
      got += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Read and parse a fleet file; its shape is checked here, its values by the plan. */
export async function readFleet(path: string): Promise<FleetFile> {
  let read: { size: number; bytes: Uint8Array };
  try {
    read = readAtMost(path, MAX_FLEET_BYTES + 1);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FleetError(
      path,
      undefined,
      undefined,
      code === "ENOENT"
        ? 'no such file: write one (README, "A fleet file"), or name yours: iapeer up FILE'
        : `cannot read it (${code ?? (error as Error).message})`,
    );
  }
  const bounded = boundedText(read.bytes, read.size);
  if (!bounded.ok) throw new FleetError(path, bounded.line, undefined, bounded.reason);
  const text = bounded.text;
  let raw: unknown;
  try {
    raw = Bun.TOML.parse(text);
  } catch (error) {
    const reason = (error as Error).message.replace(/^TOML Parse error:\s*/, "");
    throw new FleetError(path, await syntaxLine(path), undefined, reason);
  }
  const top = raw as Record<string, unknown>;
  for (const key of Object.keys(top))
    if (key !== "peers")
      throw new FleetError(
        path,
        topLine(text, key),
        key,
        "unknown key: a fleet file holds [peers.<name>] tables",
      );
  const peers = top.peers ?? {};
  if (!isTable(peers)) throw new FleetError(path, undefined, "peers", "must be a table of peers");
  const entries: FleetEntry[] = [];
  for (const [name, value] of Object.entries(peers)) {
    const where = (key?: string, table?: string) =>
      lineOf(text, ["peers", name, ...(table ? [table] : []), ...(key ? [key] : [])]);
    const label = (key?: string, table?: string) =>
      ["peers", name, ...(table ? [table] : []), ...(key ? [key] : [])].join(".");
    const valid = validatePersonality(name);
    if (!valid.ok) throw new FleetError(path, where(), label(), valid.error);
    if (!isTable(value)) throw new FleetError(path, where(), label(), "must be a table");
    const keys: Record<string, unknown> = {};
    const runtimeTables: Record<string, Record<string, unknown>> = {};
    for (const [key, v] of Object.entries(value)) {
      if (isTable(v)) {
        for (const sub of Object.keys(v))
          if (!(sub in RUNTIME_KEYS))
            throw new FleetError(
              path,
              where(sub, key),
              label(sub, key),
              `unknown key; a runtime's table takes ${Object.keys(RUNTIME_KEYS).join(", ")}`,
            );
        runtimeTables[key] = v;
        continue;
      }
      if (!(key in ENTRY_KEYS) && !(key in RUNTIME_KEYS))
        throw new FleetError(
          path,
          where(key),
          label(key),
          `unknown key; a peer takes ${[...Object.keys(ENTRY_KEYS), ...Object.keys(RUNTIME_KEYS)].join(", ")}, and [peers.${name}.<runtime>] tables`,
        );
      keys[key] = v;
    }
    entries.push({ name, keys, runtimeTables });
  }
  return { path, text, entries };
}
