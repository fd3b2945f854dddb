import { existsSync } from "node:fs";
import type { Identity } from "../core/names";
import type { RuntimeAdapter, RuntimeSettings } from "../runtimes/types";
import type { EventSink } from "../store/journal";
import { Tmux } from "../tmux/client";
import { shQuote } from "../tmux/quote";
import { bootLoop } from "./boot";
import type { SessionRecord } from "./death";
import { newSessionArgs } from "./new-session";
import { preparePaneLog } from "./pane-log";
import { sessionEnv } from "./session-env";
import { stopSession } from "./stop";

interface LaunchSpec {
  identity: Identity;
  cwd: string;
  resume: boolean;
  settings: RuntimeSettings;
}

export interface LaunchConfig {
  /** This identity's tmux socket. */
  socket: string;
  /** Where the exit-cause hook appends; without it no hook and no remain-on-exit. */
  exitsLog?: string;
  /** The session's output, appended by pipe-pane: the activity clock for idle detection. */
  paneLog: string;
  /** lifecycle.log */
  events: EventSink;
  home: string;
  sockDir: string;
  /** PATH for the session and for finding the runtime's binary. */
  path: string;
  inherited: Readonly<Record<string, string>>;
  /** argv that runs this iapeer, for runtimes that are iapeer itself (echo). */
  iapeer: readonly string[];
  bootTimeoutMs?: number;
  tmuxBinary?: string;
  /** Aborted to end the boot at once (the peer was stopped). */
  signal?: AbortSignal;
}

type LaunchFailure =
  | "config"
  | "not-found"
  | "cannot-run"
  | "tmux"
  | "died"
  | "fatal-screen"
  | "stuck-dialog"
  | "unknown-screen"
  | "timeout"
  | "cancelled";

export interface LaunchedSession extends SessionRecord {
  socket: string;
  readyMs: number;
  dialogs: string[];
}

type LaunchResult =
  | { ok: true; session: LaunchedSession }
  | { ok: false; reason: LaunchFailure; error: string };

const failed = (reason: LaunchFailure, error: string): LaunchResult => ({
  ok: false,
  reason,
  error,
});

/** Bring one session up and wait until it is ready for input, or say why it cannot be. */
export async function launch(
  spec: LaunchSpec,
  adapter: RuntimeAdapter,
  cfg: LaunchConfig,
): Promise<LaunchResult> {
  const started = performance.now();
  const { identity } = spec.identity;
  const ctx = {
    identity: spec.identity,
    cwd: spec.cwd,
    resume: spec.resume,
    settings: spec.settings,
    iapeer: cfg.iapeer,
    path: cfg.path,
  };
  const own = adapter.argv(ctx);
  if (!own.ok) return logFailure(cfg, identity, failed("config", own.error));
  // The agent's hooks tell the daemon what it does; they run this iapeer's `hook` command.
  const hookArgv = [...cfg.iapeer, "hook", adapter.name];
  const hook = { line: hookArgv.map(shQuote).join(" "), argv: hookArgv };
  const argv = { ok: true, value: [...own.value, ...(adapter.signals?.argv(hook) ?? [])] };
  const program = argv.value[0] as string;
  if (!Bun.which(program, { PATH: cfg.path, cwd: spec.cwd })) {
    return logFailure(
      cfg,
      identity,
      failed(
        "not-found",
        `${program} not found on PATH (${cfg.path}); install it or set the runtime's "bin" in the profile`,
      ),
    );
  }
  if (!existsSync(spec.cwd))
    return logFailure(
      cfg,
      identity,
      failed("config", `working directory ${spec.cwd} does not exist`),
    );

  const tmux = new Tmux(cfg.socket, cfg.tmuxBinary);
  if (await tmux.hasSession(identity)) {
    return logFailure(cfg, identity, failed("tmux", `session ${identity} is already running`));
  }
  // A server left without sessions (or a stale socket) would not take our options: start clean.
  await tmux.killServer();

  const env = sessionEnv({
    identity: spec.identity,
    cwd: spec.cwd,
    home: cfg.home,
    sockDir: cfg.sockDir,
    path: cfg.path,
    inherited: cfg.inherited,
    extra: adapter.env?.(ctx) ?? {},
  });
  const cannotRun = adapter.cannotRun?.(ctx, env);
  if (cannotRun) return logFailure(cfg, identity, failed("cannot-run", cannotRun));
  const startedAt = new Date().toISOString();
  const input = {
    identity,
    cwd: spec.cwd,
    argv: argv.value,
    ...(cfg.exitsLog && { exitsLog: cfg.exitsLog }),
    paneLog: cfg.paneLog,
  };
  preparePaneLog(cfg.paneLog);
  let created = await tmux.call(newSessionArgs(input), { env });
  if (!created.ok && cfg.exitsLog && !(await tmux.hasSession(identity))) {
    // The hook is best effort: a tmux that refuses it still gets a plain session.
    cfg.events.write("exit-hook-failed", { identity, error: created.stderr });
    await tmux.killServer(); // a half-configured server (remain-on-exit, no hook) would keep dead panes
    created = await tmux.call(newSessionArgs(input, false), { env });
  }
  if (!created.ok && !(await tmux.hasSession(identity))) {
    return logFailure(
      cfg,
      identity,
      failed(
        "tmux",
        `tmux could not start the session: ${created.stderr || `exit ${created.code}`}`,
      ),
    );
  }

  const pids = await tmux.display(identity, "#{pid} #{pane_pid}");
  const [serverPid, panePid] = pids.stdout.trim().split(" ").map(Number);
  const record: SessionRecord = {
    identity,
    serverPid: serverPid ?? 0,
    panePid: panePid ?? 0,
    startedAt,
  };

  const boot = await bootLoop(tmux, record, adapter, spec.settings, {
    timeoutMs: cfg.bootTimeoutMs ?? adapter.bootTimeoutMs,
    ...(cfg.exitsLog && { exitsLog: cfg.exitsLog }),
    paneLog: cfg.paneLog,
    ...(cfg.signal && { signal: cfg.signal }),
  });
  if (!boot.ok) {
    if (boot.reason !== "died") await stopSession(tmux);
    return logFailure(cfg, identity, boot);
  }
  const readyMs = Math.round(performance.now() - started);
  cfg.events.write("launch", {
    identity,
    mode: spec.resume ? "resume" : "fresh",
    ready_ms: readyMs,
    server_pid: record.serverPid,
    pane_pid: record.panePid,
    ...(boot.dialogs.length > 0 && { dialogs: boot.dialogs.join(",") }),
  });
  return { ok: true, session: { ...record, socket: cfg.socket, readyMs, dialogs: boot.dialogs } };
}

function logFailure(cfg: LaunchConfig, identity: string, result: LaunchResult): LaunchResult {
  if (!result.ok)
    cfg.events.write("launch-failed", { identity, reason: result.reason, error: result.error });
  return result;
}
