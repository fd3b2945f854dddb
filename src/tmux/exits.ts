import { existsSync, readFileSync } from "node:fs";
import { parseLine } from "../core/logfmt";
import { signalName } from "./signals";

/** One session death, as the exit-cause hook recorded it. */
export interface SessionExit {
  ts: string;
  identity: string;
  /** Exit status of a process that exited on its own; undefined when a signal killed it. */
  status?: number;
  /** `SIGTERM`-style name of the signal that killed it. */
  signal?: string;
}

export function parseExitLine(line: string): SessionExit | undefined {
  const f = parseLine(line);
  if (f.ev !== "session-exit" || !f.identity || !f.ts) return undefined;
  const status = f.dead_status && /^\d+$/.test(f.dead_status) ? Number(f.dead_status) : undefined;
  const signal = signalName(f.dead_signal);
  return {
    ts: f.ts,
    identity: f.identity,
    ...(status !== undefined && { status }),
    ...(signal !== undefined && { signal }),
  };
}

/** Every recorded exit, oldest first, across the rotated files (`exits.log.N` … `exits.log`). */
export function readExits(path: string, keep = 5): SessionExit[] {
  const files = [];
  for (let i = keep - 1; i >= 1; i--) files.push(`${path}.${i}`);
  files.push(path);
  const exits: SessionExit[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const exit = line ? parseExitLine(line) : undefined;
      if (exit) exits.push(exit);
    }
  }
  return exits;
}

/** How a death reads to a person: "exited with status 0", "killed by SIGKILL". */
export function describeExit(exit: Pick<SessionExit, "status" | "signal">): string {
  if (exit.signal) return `killed by ${exit.signal}`;
  if (exit.status !== undefined) return `exited with status ${exit.status}`;
  return "died (no status recorded)";
}
