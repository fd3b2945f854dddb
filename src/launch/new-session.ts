import { pane, THEN } from "../tmux/client";
import { EXIT_HOOK_NAME, exitCauseHook } from "../tmux/exit-hook";
import { shQuote } from "../tmux/quote";

const SESSION_COLUMNS = 220;
const SESSION_ROWS = 50;

interface NewSessionInput {
  identity: string;
  cwd: string;
  argv: readonly string[];
  /** With an exits log the exit-cause hook is installed; without one, a plain session. */
  exitsLog?: string;
  /** Where pipe-pane appends what the session prints, attached in the same invocation. */
  paneLog?: string;
}

/**
 * The tmux argv that starts a session's server and the session. The exit-cause hook and
 * remain-on-exit are set on this server before new-session, in the same invocation, so even a
 * process that dies in its first millisecond leaves a cause. `-f /dev/null` keeps a user's
 * tmux.conf from changing how iapeer's servers behave.
 *
 * The session's environment is not in this argv: the server is a fork of the client that runs
 * it, whose command line any local user can read for the server's whole life (`/proc/<pid>/
 * cmdline`). The client is run with the session's environment instead, which the new server
 * keeps as its global environment and hands to the pane.
 */
export function newSessionArgs(
  input: NewSessionInput,
  withHook = input.exitsLog !== undefined,
): string[] {
  const hook =
    withHook && input.exitsLog !== undefined
      ? [
          "set-option",
          "-g",
          "remain-on-exit",
          "on",
          THEN,
          "set-hook",
          "-g",
          EXIT_HOOK_NAME,
          exitCauseHook(input.identity, input.exitsLog),
          THEN,
        ]
      : [];
  return [
    "-f",
    "/dev/null",
    "start-server",
    THEN,
    ...hook,
    "new-session",
    "-d",
    "-s",
    input.identity,
    "-x",
    String(SESSION_COLUMNS),
    "-y",
    String(SESSION_ROWS),
    "-c",
    input.cwd,
    "--",
    ...input.argv,
    // Attached before tmux reads the pane: a program that prints and dies at once is logged.
    ...(input.paneLog !== undefined
      ? [THEN, "pipe-pane", "-t", pane(input.identity), paneLogCommand(input.paneLog)]
      : []),
  ];
}

/** The shell command pipe-pane runs: append to the pane log. */
export const paneLogCommand = (paneLog: string): string => `exec cat >> ${shQuote(paneLog)}`;
