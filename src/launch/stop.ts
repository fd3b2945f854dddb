import { rmSync } from "node:fs";
import { THEN, type Tmux, type TmuxResult } from "../tmux/client";
import { EXIT_HOOK_NAME } from "../tmux/exit-hook";

/**
 * Stop a session on iapeer's own initiative (stop, idle sleep, failed boot). The hook is removed
 * first, so this is never recorded as a death in exits.log: it is a lifecycle event.
 * The server goes with it: one server per identity, and so does its socket file, which tmux
 * leaves behind when killed.
 */
export async function stopSession(tmux: Tmux): Promise<TmuxResult> {
  const result = await tmux.call(["set-hook", "-gu", EXIT_HOOK_NAME, THEN, "kill-server"]);
  if (result.ok) rmSync(tmux.socket, { force: true });
  return result;
}
