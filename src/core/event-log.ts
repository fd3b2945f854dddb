import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
} from "node:fs";
import { dirname } from "node:path";
import { DIR_MODE, FILE_MODE } from "./fs";
import { formatLine, type LogFields } from "./logfmt";

interface RotationPolicy {
  /** A file that would grow past this many bytes is rotated first. */
  maxBytes: number;
  /** Files kept, the live one included: `x.log`, `x.log.1` … `x.log.<files-1>`. */
  files: number;
}

const DEFAULT_ROTATION: RotationPolicy = { maxBytes: 5 * 1024 * 1024, files: 5 };

/**
 * An append-only logfmt file with size-based rotation. Writes never throw into the caller: a log
 * that cannot be written must not break delivery or a lifecycle action. `write` says whether the
 * line landed, and the last failure is kept for `doctor`-style reporting.
 */
export class EventLog {
  lastError: string | undefined;

  constructor(
    readonly path: string,
    readonly rotation: RotationPolicy = DEFAULT_ROTATION,
  ) {}

  write(ev: string, fields: LogFields = {}, now: Date = new Date()): boolean {
    try {
      const line = `${formatLine(ev, fields, now)}\n`;
      const dir = dirname(this.path);
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: DIR_MODE });
      this.rotateIfNeeded(Buffer.byteLength(line));
      // O_APPEND: each line is one write(2), so lines from several processes never interleave.
      appendFileSync(this.path, line, { mode: FILE_MODE });
      this.lastError = undefined;
      return true;
    } catch (error) {
      this.lastError = (error as Error).message;
      return false;
    }
  }

  private rotateIfNeeded(incoming: number): void {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return;
    }
    if (size === 0 || size + incoming <= this.rotation.maxBytes) return;
    rotateFiles(this.path, this.rotation.files, "rename");
  }
}

/**
 * Shift `x.1` … `x.<files-1>` up by one and move the live file to `x.1`. `rename` suits writers
 * that open the file for each line; `copy-truncate` suits one that holds it open with O_APPEND
 * (tmux's pipe-pane `cat >>`), which then goes on writing at the start of the emptied file.
 */
export function rotateFiles(path: string, files: number, how: "rename" | "copy-truncate"): void {
  if (files <= 1) {
    if (how === "rename") rmSync(path, { force: true });
    else truncateSync(path, 0);
    return;
  }
  rmSync(`${path}.${files - 1}`, { force: true });
  for (let i = files - 2; i >= 1; i--) {
    const from = `${path}.${i}`;
    if (existsSync(from)) renameSync(from, `${path}.${i + 1}`);
  }
  try {
    if (how === "rename") renameSync(path, `${path}.1`);
    else {
      copyFileSync(path, `${path}.1`);
      truncateSync(path, 0);
    }
  } catch {
    // another process rotated it first
  }
}
