import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DIR_MODE } from "../core/fs";

/** The one place that runs tmux: argv only (never a shell string), a timeout on every call. */

export interface TmuxResult {
  ok: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

interface TmuxCallOptions {
  /** Bytes for tmux's stdin (load-buffer -). */
  input?: string | Uint8Array;
  timeoutMs?: number;
  /** Environment of the tmux client; a server started by this call inherits it. */
  env?: Record<string, string>;
}

const DEFAULT_TMUX_TIMEOUT_MS = 5000;

/** The command separator in one tmux invocation. */
export const THEN = ";";

/** How many tmux processes this process has run: the supervise tick's cost is measured by it. */
export const tmuxSpawns = { count: 0 };

export class Tmux {
  constructor(
    /** Every call targets this socket: one tmux server per identity. */
    readonly socket: string,
    readonly binary = "tmux",
  ) {}

  run(args: string[], opts: TmuxCallOptions = {}): TmuxResult {
    // tmux fails silently to start a server when the socket's directory is missing.
    mkdirSync(dirname(this.socket), { recursive: true, mode: DIR_MODE });
    tmuxSpawns.count++;
    try {
      const res = Bun.spawnSync([this.binary, "-S", this.socket, ...args], {
        stdin: opts.input === undefined ? "ignore" : Buffer.from(opts.input),
        stdout: "pipe",
        stderr: "pipe",
        timeout: opts.timeoutMs ?? DEFAULT_TMUX_TIMEOUT_MS,
        ...(opts.env && { env: opts.env }),
      });
      const timedOut = res.exitedDueToTimeout === true;
      return {
        ok: res.exitCode === 0 && !timedOut,
        code: res.exitCode,
        stdout: res.stdout.toString(),
        stderr: timedOut ? `tmux ${args[0]} timed out` : res.stderr.toString().trim(),
        timedOut,
      };
    } catch (error) {
      // spawn itself failed: tmux is not installed or not executable.
      return {
        ok: false,
        code: null,
        stdout: "",
        stderr: (error as Error).message,
        timedOut: false,
      };
    }
  }

  hasSession(session: string): boolean {
    return this.run(["has-session", "-t", exact(session)]).ok;
  }

  killSession(session: string): TmuxResult {
    return this.run(["kill-session", "-t", exact(session)]);
  }

  killServer(): TmuxResult {
    return this.run(["kill-server"]);
  }

  setOption(target: string | "global", name: string, value: string): TmuxResult {
    const scope = target === "global" ? ["-g"] : ["-t", exact(target)];
    return this.run(["set-option", ...scope, name, value]);
  }

  setHook(target: string | "global", hook: string, command: string): TmuxResult {
    const scope = target === "global" ? ["-g"] : ["-t", exact(target)];
    return this.run(["set-hook", ...scope, hook, command]);
  }

  unsetHook(target: string | "global", hook: string): TmuxResult {
    const scope = target === "global" ? ["-g"] : ["-t", exact(target)];
    return this.run(["set-hook", "-u", ...scope, hook]);
  }

  /** Append the pane's output to a file via a shell command (tmux runs it with sh -c). */
  pipePane(target: string, shellCommand: string): TmuxResult {
    return this.run(["pipe-pane", "-o", "-t", pane(target), shellCommand]);
  }

  capturePane(target: string, opts: { escapes?: boolean; history?: number } = {}): TmuxResult {
    const args = ["capture-pane", "-p", "-t", pane(target)];
    if (opts.escapes) args.push("-e");
    if (opts.history) args.push("-S", String(-opts.history));
    return this.run(args);
  }

  loadBuffer(name: string, data: string | Uint8Array): TmuxResult {
    return this.run(["load-buffer", "-b", name, "-"], { input: data });
  }

  /** Paste bracketed (-p) when the application asked for it, and delete the buffer (-d). */
  pasteBuffer(name: string, target: string): TmuxResult {
    return this.run(["paste-buffer", "-p", "-d", "-b", name, "-t", pane(target)]);
  }

  sendKeys(target: string, keys: readonly string[], literal = false): TmuxResult {
    return this.run(["send-keys", ...(literal ? ["-l"] : []), "-t", pane(target), ...keys]);
  }

  listClients(session: string): TmuxResult {
    return this.run(["list-clients", "-t", exact(session), "-F", "#{client_pid} #{client_tty}"]);
  }

  /** Hand this terminal to the session until the user detaches; resolves to tmux's exit code. */
  async attach(session: string): Promise<number> {
    const proc = Bun.spawn(
      [this.binary, "-S", this.socket, "attach-session", "-t", exact(session)],
      {
        stdio: ["inherit", "inherit", "inherit"],
      },
    );
    return proc.exited;
  }

  display(target: string, format: string): TmuxResult {
    return this.run(["display-message", "-p", "-t", pane(target), format]);
  }
}

/** `=name` matches the session name exactly, never as a prefix or pattern. */
export const exact = (session: string): string => `=${session}`;
/** The active pane of a session, matched exactly. */
export const pane = (session: string): string => `=${session}:`;

/** `tmux -V` of the tmux on PATH, e.g. "3.3a"; undefined when there is none. */
export function tmuxVersion(binary = "tmux"): string | undefined {
  try {
    const res = Bun.spawnSync([binary, "-V"], {
      stdout: "pipe",
      stderr: "ignore",
      timeout: DEFAULT_TMUX_TIMEOUT_MS,
    });
    const match = /^tmux\s+(\S+)/.exec(res.stdout.toString().trim());
    return res.exitCode === 0 ? match?.[1] : undefined;
  } catch {
    return undefined;
  }
}
