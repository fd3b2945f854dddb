import { appendFileSync, closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { FILE_MODE } from "../core/fs";

/**
 * Make the pane log with its mode before pipe-pane appends to it (new-session.ts attaches it):
 * everything the session prints, the activity clock for idle detection.
 */
export function preparePaneLog(paneLog: string): void {
  try {
    if (!existsSync(paneLog)) closeSync(openSync(paneLog, "a", FILE_MODE));
  } catch {
    // pipe-pane's own cat reports the real problem
  }
}

/** The end of what a session printed: all a session that died at once leaves to quote. */
export function paneLogTail(paneLog: string, bytes = 4096): string {
  try {
    return readFileSync(paneLog, "utf8").slice(-bytes);
  } catch {
    return "";
  }
}

/**
 * A program that died before pipe-pane was attached printed to the screen alone: its last words
 * (read from the dead pane) go into the pane log, unless the log already has them.
 */
export function keepLastWords(paneLog: string, output: string): void {
  const last = output.trimEnd().split("\n").at(-1)?.trim();
  if (!last || paneLogTail(paneLog).includes(last)) return;
  try {
    appendFileSync(paneLog, `${output.trimEnd()}\n`, { mode: FILE_MODE });
  } catch {
    // the error still quotes them
  }
}
