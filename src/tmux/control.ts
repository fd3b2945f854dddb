import { existsSync } from "node:fs";
import { tmuxLiteral } from "./quote";

/**
 * One tmux control-mode connection (`tmux -C`) to one server: a command is a line on a pipe and
 * its answer a `%begin … %end` block, instead of a tmux process spawned and waited for. On this
 * kind of machine that is about 0.07 ms a command against 8 ms of CPU for a spawn, so the daemon
 * can read screens and type into many sessions at once without its CPU going to fork and exec.
 *
 * The client attaches with `no-output` (no stream of every pane's bytes) and `ignore-size` (it
 * never resizes the window a person sees). Commands are only written once the attach has
 * answered, so a connection that cannot attach has run none of them: they go by spawn instead.
 */

export interface ControlAnswer {
  ok: boolean;
  /** The command's output lines, each ending in a newline, as a spawned tmux would print. */
  output: string;
  /** Why the connection could not answer; the command was never sent when `unsent`. */
  lost?: { unsent: boolean; why: string };
  timedOut?: boolean;
}

interface Waiter {
  line: string;
  resolve: (answer: ControlAnswer) => void;
  timer?: ReturnType<typeof setTimeout>;
  /** The `T N F` of its `%begin`, once tmux has started it. */
  begun?: string;
  lines: string[];
}

/** A connection unused this long is closed: a fleet of idle peers keeps no clients attached. */
const IDLE_CLOSE_MS = 30_000;

export class ControlConnection {
  private readonly proc: ReturnType<typeof Bun.spawn>;
  /** Written, waiting for their block, in order. */
  private readonly sent: Waiter[] = [];
  /** Not written yet: the attach has not answered. */
  private readonly unsent: Waiter[] = [];
  private attached = false;
  private attach: Waiter;
  private closedWhy: string | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly socket: string,
    binary: string,
    private readonly onClose: (connection: ControlConnection) => void,
  ) {
    this.proc = Bun.spawn(
      [binary, "-S", socket, "-C", "attach-session", "-f", "no-output,ignore-size"],
      { stdin: "pipe", stdout: "pipe", stderr: "ignore" },
    );
    this.proc.unref();
    this.attach = { line: "attach-session", resolve: () => {}, lines: [] };
    this.sent.push(this.attach);
    void this.read();
    void this.proc.exited.then(() => this.close("the tmux control client exited"));
    this.touch();
  }

  get closed(): boolean {
    return this.closedWhy !== undefined;
  }

  /** Run one command (its argv, already without `-S`); the answer comes in order. */
  command(args: readonly string[], timeoutMs: number): Promise<ControlAnswer> {
    if (this.closedWhy !== undefined)
      return Promise.resolve({
        ok: false,
        output: "",
        lost: { unsent: true, why: this.closedWhy },
      });
    this.touch();
    return new Promise((resolve) => {
      const waiter: Waiter = { line: `${args.map(tmuxLiteral).join(" ")}\n`, resolve, lines: [] };
      // A late answer would be taken for the next command's: the connection is closed instead.
      waiter.timer = setTimeout(() => {
        const why = `tmux ${args[0]} timed out`;
        const unsent = this.unsent.includes(waiter);
        this.finish(waiter, { ok: false, output: "", lost: { unsent, why }, timedOut: true });
        this.close(why);
      }, timeoutMs);
      if (this.attached) this.write(waiter);
      else this.unsent.push(waiter);
    });
  }

  close(why: string): void {
    if (this.closedWhy !== undefined) return;
    this.closedWhy = why;
    clearTimeout(this.idleTimer);
    try {
      this.proc.kill();
    } catch {
      // already gone
    }
    // Begun or not, a written command may have run: only the unwritten ones are safe to redo.
    for (const w of this.sent.splice(0))
      this.finish(w, { ok: false, output: "", lost: { unsent: false, why } });
    for (const w of this.unsent.splice(0))
      this.finish(w, { ok: false, output: "", lost: { unsent: true, why } });
    this.onClose(this);
  }

  private write(waiter: Waiter): void {
    this.sent.push(waiter);
    const stdin = this.proc.stdin as import("bun").FileSink;
    try {
      stdin.write(waiter.line);
      stdin.flush();
    } catch (error) {
      this.close(`writing to the tmux control client failed: ${(error as Error).message}`);
    }
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.sent.length === 0 && this.unsent.length === 0) this.close("idle");
      else this.touch();
    }, IDLE_CLOSE_MS);
    this.idleTimer.unref?.();
  }

  private finish(waiter: Waiter, answer: ControlAnswer): void {
    clearTimeout(waiter.timer);
    waiter.resolve(answer);
    // Answered once: a second answer (a timeout racing the close) is dropped.
    waiter.resolve = () => {};
  }

  private async read(): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for await (const chunk of this.proc.stdout as ReadableStream<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
          this.line(pending.slice(0, end));
          pending = pending.slice(end + 1);
        }
      }
    } catch {
      // the process ended; `exited` closes the connection
    }
  }

  /**
   * One line from tmux. Inside a block every line is output, even one that starts with `%`: a
   * pane can show any text, so a block ends only at the `%end`/`%error` that names its `%begin`.
   */
  private line(text: string): void {
    const head = this.sent[0];
    if (head?.begun !== undefined) {
      const end = /^%(end|error) (\d+ \d+ \d+)$/.exec(text);
      if (end && end[2] === head.begun) {
        this.sent.shift();
        this.answered(head, end[1] === "end", head.lines.map((l) => `${l}\n`).join(""));
      } else head.lines.push(text);
      return;
    }
    const begin = /^%begin (\d+ \d+ \d+)$/.exec(text);
    if (begin && head) head.begun = begin[1];
    // Anything else outside a block is a notification (%session-changed, %exit, …): not ours.
  }

  private answered(waiter: Waiter, ok: boolean, output: string): void {
    if (waiter !== this.attach) {
      this.finish(waiter, { ok, output });
      return;
    }
    if (!ok) {
      this.close(`tmux could not attach: ${output.trim()}`);
      return;
    }
    this.attached = true;
    for (const w of this.unsent.splice(0)) this.write(w);
  }
}

/** The connections of this process, one per tmux server; only the daemon opens them. */
const connections = new Map<string, ControlConnection>();
/** How many daemons of this process use them (tests run several in one process). */
let users = 0;

/** From now on this process reaches tmux servers over control connections (the daemon). */
export function useControlConnections(on: boolean): void {
  users = Math.max(0, users + (on ? 1 : -1));
  if (users === 0) for (const c of [...connections.values()]) c.close("closed");
}

/**
 * The open connection to the server at this socket, opened on first use; undefined when this
 * process spawns instead, or when there is no server to attach to (a client would start one).
 */
export function controlConnection(socket: string, binary: string): ControlConnection | undefined {
  if (users === 0) return undefined;
  const open = connections.get(socket);
  if (open && !open.closed) return open;
  if (!existsSync(socket)) return undefined;
  const connection = new ControlConnection(socket, binary, (c) => {
    if (connections.get(socket) === c) connections.delete(socket);
  });
  connections.set(socket, connection);
  return connection;
}

/** Close this server's connection: it is being killed, or replaced by a new server. */
export function forgetControlConnection(socket: string): void {
  connections.get(socket)?.close("its server is being replaced");
}

/** How many connections are open (for tests and the bench). */
export const openControlConnections = (): number => connections.size;
