import { statSync } from "node:fs";
import { rotateFiles } from "../core/event-log";
import { peerLog } from "../core/paths";
import type { Host } from "../home/host";
import { resetExitsCursor } from "./exits-cursor";
import type { SessionRow } from "./sessions";

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Logs written by others rotate here, by size like iapeer's own: each session's pane log (tmux
 * holds it open, so it is copied and truncated) and exits.log (the hook opens it per line, so it
 * is renamed; the cursor starts over on the new file). Call after the exits cursor has read it.
 */
export function rotateForeignLogs(host: Host, sessions: SessionRow[]): void {
  const { logMaxBytes, logFiles } = host.config;
  for (const s of sessions) {
    const path = peerLog(host.layout, s.identity);
    if (size(path) > logMaxBytes) rotateFiles(path, logFiles, "copy-truncate");
  }
  if (size(host.layout.exitsLog) > logMaxBytes) {
    rotateFiles(host.layout.exitsLog, logFiles, "rename");
    resetExitsCursor(host.store);
  }
}
