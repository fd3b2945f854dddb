import { statSync } from "node:fs";
import { makeIdentity } from "../core/names";
import { peerLog } from "../core/paths";
import type { Host } from "../home/host";
import { getSession } from "../lifecycle/sessions";
import { isLive } from "../lifecycle/wake";
import { Tmux } from "../tmux/client";

export type Screen =
  | { live: false }
  | { live: true; unchanged: true; stamp: string }
  | {
      live: true;
      stamp: string;
      text: string;
      cols: number;
      rows: number;
      cursor: { x: number; y: number };
    };

/** Changes when the pane prints anything: its output log (pipe-pane) grew or was rewritten. */
function stampOf(host: Host, identity: string): string {
  try {
    const s = statSync(peerLog(host.layout, identity));
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return "";
  }
}

/**
 * What a peer's pane shows now, with its colours (SGR escapes), size and cursor: read only.
 * Given the stamp of the screen the caller has, an unchanged pane costs no tmux call.
 */
export async function screenOf(
  host: Host,
  personality: string,
  runtime: string,
  since?: string,
): Promise<Screen | undefined> {
  const id = makeIdentity(runtime, personality);
  if (!id.ok) return undefined;
  const { identity } = id.value;
  const session = getSession(host.store, identity);
  if (!isLive(session)) return { live: false };
  const stamp = stampOf(host, identity);
  if (stamp !== "" && stamp === since) return { live: true, unchanged: true, stamp };
  const tmux = new Tmux(session.socket);
  const [shape, captured] = await Promise.all([
    tmux.display(identity, "#{pane_width} #{pane_height} #{cursor_x} #{cursor_y}"),
    tmux.capturePane(identity, { escapes: true }),
  ]);
  if (!shape.ok || !captured.ok) return { live: false };
  const [cols, rows, x, y] = shape.stdout.trim().split(" ").map(Number);
  return {
    live: true,
    stamp,
    text: captured.stdout,
    cols: cols || 80,
    rows: rows || 24,
    cursor: { x: x ?? 0, y: y ?? 0 },
  };
}
