import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { FILE_MODE } from "../core/fs";
import type { Tmux } from "../tmux/client";
import { shQuote } from "../tmux/quote";

/** Append everything the session prints to its pane log: the activity clock for idle detection. */
export function startPaneLog(tmux: Tmux, identity: string, paneLog: string): boolean {
  try {
    if (!existsSync(paneLog)) closeSync(openSync(paneLog, "a", FILE_MODE));
  } catch {
    // pipe-pane below reports the real problem
  }
  return tmux.pipePane(identity, `exec cat >> ${shQuote(paneLog)}`).ok;
}

/** The end of what a session printed: all a session that died at once leaves to quote. */
export function paneLogTail(paneLog: string, bytes = 4096): string {
  try {
    return readFileSync(paneLog, "utf8").slice(-bytes);
  } catch {
    return "";
  }
}
