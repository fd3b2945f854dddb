import { shQuote, tmuxQuote } from "./quote";

/**
 * The `pane-died` hook that records why a session died, at the instant it died.
 *
 * tmux runs it with remain-on-exit on, so the dead pane still holds its exit status and signal.
 * The hook is two tmux commands:
 *   1. run-shell (foreground, never -b: the append must finish before the kill) of a sh printf
 *      that appends one logfmt line to exits.log (made 0600 if new), with tmux expanding the
 *      #{pane_dead_*} formats;
 *   2. tmux's own kill-session, which needs no PATH (service managers give a minimal one) and
 *      leaves no dead pane behind to make a dead peer look alive.
 *
 * Quoting: the sh command is tmux-double-quoted as run-shell's argument; inside it, the log path
 * is sh-single-quoted, so any path works. Identities are validated and carry no metacharacters.
 */
export function exitCauseHook(identity: string, exitsLog: string): string {
  const line = `ts=$(date -u +%Y-%m-%dT%H:%M:%SZ) ev=session-exit identity=${identity} dead_status=#{pane_dead_status} dead_signal=#{pane_dead_signal}`;
  // umask: the hook's shell inherits tmux's (often 022); a log the hook creates is 0600 as all are.
  const append = `umask 077; printf '%s\\n' "${line}" >> ${shQuote(exitsLog)}`;
  return `run-shell ${tmuxQuote(append)} ; kill-session -t ${tmuxQuote(`=${identity}`)}`;
}

export const EXIT_HOOK_NAME = "pane-died";
