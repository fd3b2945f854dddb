import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DIR_MODE } from "../core/fs";
import { type ControlConnection, controlConnection, forgetControlConnection } from "./control";

/**
 * The one place that runs tmux: argv only (never a shell string), a timeout on every call.
 * `run` spawns and waits (a one-shot command of the CLI); `call` and the helpers are
 * asynchronous, over the server's control connection in the daemon and by spawn elsewhere, so a
 * process that serves others never stops while tmux answers.
 */

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

/** How many tmux commands this process has run, spawned or not: the tick's cost is measured by it. */
export const tmuxCalls = { count: 0 };

/** Commands that change nothing: one whose control connection broke may be asked again. */
const READS = new Set(["capture-pane", "display-message", "has-session", "show-buffer"]);

/** An argv split at its command separators. */
function commandsOf(args: string[]): string[][] {
  const commands: string[][] = [[]];
  for (const arg of args)
    if (arg === THEN) commands.push([]);
    else commands.at(-1)?.push(arg);
  return commands.filter((c) => c.length > 0);
}

/** The buffer a `load-buffer -b <name>` argv names. */
const bufferArg = (args: readonly string[]): string => args[args.indexOf("-b") + 1] ?? "";

const failure = (stderr: string, timedOut = false): TmuxResult => ({
  ok: false,
  code: null,
  stdout: "",
  stderr,
  timedOut,
});

export class Tmux {
  constructor(
    /** Every call targets this socket: one tmux server per identity. */
    readonly socket: string,
    readonly binary = "tmux",
  ) {}

  run(args: string[], opts: TmuxCallOptions = {}): TmuxResult {
    // tmux fails silently to start a server when the socket's directory is missing.
    mkdirSync(dirname(this.socket), { recursive: true, mode: DIR_MODE });
    tmuxCalls.count++;
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

  /** One command without waiting on this process's thread. */
  async call(args: string[], opts: TmuxCallOptions = {}): Promise<TmuxResult> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TMUX_TIMEOUT_MS;
    // A client started with an environment starts a new server with it, and kill-server's
    // answer would come as the connection dies: both are spawned, the connection let go.
    if (opts.env || args.includes("kill-server")) {
      forgetControlConnection(this.socket);
      return this.spawn(args, opts, timeoutMs);
    }
    const connection = controlConnection(this.socket, this.binary);
    if (!connection) return this.spawn(args, opts, timeoutMs);
    // Each command of a list answers on its own over a connection: they go one by one, and
    // the first that fails ends the list, as in one tmux invocation.
    let stdout = "";
    for (const command of commandsOf(args)) {
      const done = await this.overConnection(connection, command, opts, timeoutMs);
      if (done === "spawn") return this.spawn(args, opts, timeoutMs);
      stdout += done.stdout;
      if (!done.ok) return { ...done, stdout };
    }
    return { ok: true, code: 0, stdout, stderr: "", timedOut: false };
  }

  private async overConnection(
    connection: ControlConnection,
    args: string[],
    opts: TmuxCallOptions,
    timeoutMs: number,
  ): Promise<TmuxResult | "spawn"> {
    tmuxCalls.count++;
    const argv =
      opts.input === undefined
        ? args
        : // The connection's stdin is its command stream: the bytes go as an argument.
          ["set-buffer", "-b", bufferArg(args), "--", Buffer.from(opts.input).toString("utf8")];
    const answer = await connection.command(argv, timeoutMs);
    if (!answer.lost)
      return answer.ok
        ? { ok: true, code: 0, stdout: answer.output, stderr: "", timedOut: false }
        : { ok: false, code: 1, stdout: "", stderr: answer.output.trim(), timedOut: false };
    if (answer.timedOut) return failure(answer.lost.why, true);
    // Never sent, or a read: asked again by spawn. A keystroke that may have gone, never.
    return answer.lost.unsent || READS.has(args[0] ?? "") ? "spawn" : failure(answer.lost.why);
  }

  private async spawn(
    args: string[],
    opts: TmuxCallOptions,
    timeoutMs: number,
  ): Promise<TmuxResult> {
    mkdirSync(dirname(this.socket), { recursive: true, mode: DIR_MODE });
    tmuxCalls.count++;
    try {
      const proc = Bun.spawn([this.binary, "-S", this.socket, ...args], {
        stdin: opts.input === undefined ? "ignore" : Buffer.from(opts.input),
        stdout: "pipe",
        stderr: "pipe",
        ...(opts.env && { env: opts.env }),
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        proc.kill("SIGKILL");
      }, timeoutMs);
      const [stdout, stderr, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      clearTimeout(timer);
      return {
        ok: code === 0 && !timedOut,
        code: timedOut ? null : code,
        stdout,
        stderr: timedOut ? `tmux ${args[0]} timed out` : stderr.trim(),
        timedOut,
      };
    } catch (error) {
      // spawn itself failed: tmux is not installed or not executable.
      return failure((error as Error).message);
    }
  }

  async hasSession(session: string): Promise<boolean> {
    return (await this.call(["has-session", "-t", exact(session)])).ok;
  }

  killSession(session: string): Promise<TmuxResult> {
    return this.call(["kill-session", "-t", exact(session)]);
  }

  killServer(): Promise<TmuxResult> {
    return this.call(["kill-server"]);
  }

  setOption(target: string | "global", name: string, value: string): Promise<TmuxResult> {
    const scope = target === "global" ? ["-g"] : ["-t", exact(target)];
    return this.call(["set-option", ...scope, name, value]);
  }

  setHook(target: string | "global", hook: string, command: string): Promise<TmuxResult> {
    const scope = target === "global" ? ["-g"] : ["-t", exact(target)];
    return this.call(["set-hook", ...scope, hook, command]);
  }

  unsetHook(target: string | "global", hook: string): Promise<TmuxResult> {
    const scope = target === "global" ? ["-g"] : ["-t", exact(target)];
    return this.call(["set-hook", "-u", ...scope, hook]);
  }

  /** Append the pane's output to a file via a shell command (tmux runs it with sh -c). */
  pipePane(target: string, shellCommand: string): Promise<TmuxResult> {
    return this.call(["pipe-pane", "-o", "-t", pane(target), shellCommand]);
  }

  capturePane(
    target: string,
    opts: { escapes?: boolean; history?: number } = {},
  ): Promise<TmuxResult> {
    const args = ["capture-pane", "-p", "-t", pane(target)];
    if (opts.escapes) args.push("-e");
    if (opts.history) args.push("-S", String(-opts.history));
    return this.call(args);
  }

  loadBuffer(name: string, data: string | Uint8Array): Promise<TmuxResult> {
    return this.call(["load-buffer", "-b", name, "-"], { input: data });
  }

  /** Paste bracketed (-p) when the application asked for it, and delete the buffer (-d). */
  pasteBuffer(name: string, target: string): Promise<TmuxResult> {
    return this.call(["paste-buffer", "-p", "-d", "-b", name, "-t", pane(target)]);
  }

  sendKeys(target: string, keys: readonly string[], literal = false): Promise<TmuxResult> {
    return this.call(["send-keys", ...(literal ? ["-l"] : []), "-t", pane(target), ...keys]);
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

  display(target: string, format: string): Promise<TmuxResult> {
    return this.call(["display-message", "-p", "-t", pane(target), format]);
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
