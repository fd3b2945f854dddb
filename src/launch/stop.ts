import { THEN, type Tmux, type TmuxResult } from "../tmux/client";
import { EXIT_HOOK_NAME } from "../tmux/exit-hook";

/**
 * Stop a session on iapeer's own initiative (stop, idle sleep, failed boot). The hook is removed
 * first, so this is never recorded as a death in exits.log: it is a lifecycle event.
 * The server goes with it: one server per identity.
 */
export function stopSession(tmux: Tmux): TmuxResult {
  return tmux.run(["set-hook", "-gu", EXIT_HOOK_NAME, THEN, "kill-server"]);
}
