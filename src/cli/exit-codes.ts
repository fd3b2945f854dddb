/** Exit codes of the CLI contract (see README "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** A refused or failed action. */
  failed: 1,
  /** Bad usage or bad input: nothing was changed. */
  usage: 2,
  /**
   * `status <peer>`: the peer is known but not running (as `systemctl is-active` says 3);
   * `service status`: the service is installed but not running.
   */
  notRunning: 3,
  /**
   * `status <peer>`: no such peer (as `systemctl status` says 4 for no such unit);
   * `service status`: the service is not installed.
   */
  unknownPeer: 4,
  /** `send`: accepted and stored, not yet delivered. */
  queued: 10,
  /** `send`: typed in, landing not confirmed. */
  unconfirmed: 11,
} as const;

/** Thrown by a command to end with a one-line message and an exit code. */
export class CliExit extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = "CliExit";
  }
}

export const usageError = (message: string): CliExit => new CliExit(message, EXIT.usage);
export const actionError = (message: string): CliExit => new CliExit(message, EXIT.failed);
