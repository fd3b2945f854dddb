import { movesTo } from "../runtimes/choose";
import { lastLines, stripAnsi } from "../runtimes/screen";
import type { RuntimeAdapter, RuntimeSettings } from "../runtimes/types";
import { pane, THEN, type Tmux } from "../tmux/client";
import { describeExit } from "../tmux/exits";
import { signalName } from "../tmux/signals";
import { describeDeath, type SessionRecord } from "./death";
import { keepLastWords, paneLogTail } from "./pane-log";
import { awaitSessionEnd } from "./watch";

interface BootOptions {
  timeoutMs: number;
  /** Aborted when the peer is stopped while it starts: the boot ends at once. */
  signal?: AbortSignal;
  exitsLog?: string;
  paneLog: string;
}

type BootResult =
  | { ok: true; dialogs: string[] }
  | {
      ok: false;
      reason: "died" | "fatal-screen" | "stuck-dialog" | "unknown-screen" | "timeout" | "cancelled";
      error: string;
    };

/**
 * First looks come quickly (most runtimes are up in well under a second, and a look over the
 * server's control connection costs a fraction of a millisecond), then every 200 ms.
 */
const POLL_MS = [20, 20, 20, 50, 50, 100, 100, 200];
/** The same dialog answered this many times means the answer is not taking. */
const MAX_SAME_DIALOG = 5;

interface Probe {
  gone: boolean;
  dead: boolean;
  status?: number;
  signal?: string;
  screen: string;
}

/** One tmux call per look: is the pane dead, and what is on the screen. */
async function probe(tmux: Tmux, identity: string): Promise<Probe> {
  const res = await tmux.call([
    "display-message",
    "-p",
    "-t",
    pane(identity),
    "#{pane_dead} #{pane_dead_status} #{pane_dead_signal}",
    THEN,
    "capture-pane",
    "-p",
    "-t",
    pane(identity),
  ]);
  if (!res.ok) return { gone: true, dead: true, screen: "" };
  const newline = res.stdout.indexOf("\n");
  const [dead, status, signal] = res.stdout.slice(0, newline).split(" ");
  const sig = signalName(signal);
  return {
    gone: false,
    dead: dead === "1",
    ...(status && /^\d+$/.test(status) && { status: Number(status) }),
    ...(sig && { signal: sig }),
    screen: res.stdout.slice(newline + 1),
  };
}

/** tmux's own "Pane is dead (status 1, <date>)" line under a remain-on-exit pane. */
const TMUX_DEAD_LINE = /^Pane is dead\b.*$/gm;

function quote(lines: string[]): string {
  return lines.length > 0
    ? `; last output: ${lines.map((l) => JSON.stringify(l)).join(" / ")}`
    : "";
}

async function deathCause(p: Probe, record: SessionRecord, opts: BootOptions): Promise<string> {
  if (p.dead && (p.signal || p.status !== undefined)) return describeExit(p);
  // Gone, or dead before tmux reaped it: let the hook run and read what it recorded.
  const death = await awaitSessionEnd(record, {
    timeoutMs: 2000,
    pollMs: 50,
    ...(opts.exitsLog && { exitsLog: opts.exitsLog }),
  });
  return death ? describeDeath(death) : "died";
}

/** Between the keys of one dialog answer. */
const KEY_PAUSE_MS = 500;
/** An answered dialog still on screen this long after the answer is answered again. */
const ANSWER_TAKES_MS = 2500;
/** How many lines of a screen a failure quotes. */
const QUOTED_LINES = 4;

async function answer(tmux: Tmux, identity: string, keys: readonly string[]): Promise<void> {
  for (const [i, key] of keys.entries()) {
    if (i > 0) await Bun.sleep(KEY_PAUSE_MS);
    await tmux.sendKeys(identity, [key]);
  }
}

/**
 * Watch a booting session until the adapter says it is ready (and the ready screen has held for
 * the adapter's hold time): answer boot dialogs, stop at once on a fatal screen, a death or an
 * unknown screen that stopped changing, and give up at the deadline.
 */
export async function bootLoop(
  tmux: Tmux,
  record: SessionRecord,
  adapter: RuntimeAdapter,
  settings: RuntimeSettings,
  opts: BootOptions,
): Promise<BootResult> {
  const deadline = Date.now() + opts.timeoutMs;
  const dialogs: string[] = [];
  let lastScreen = "";
  let changedAt = Date.now();
  let readySince: number | undefined;
  let answered: { screen: string; at: number } | undefined;
  for (let look = 0; ; look++) {
    if (opts.signal?.aborted)
      return { ok: false, reason: "cancelled", error: "stopped while it was starting" };
    const p = await probe(tmux, record.identity);
    if (p.gone || p.dead) {
      // tmux's dead-pane line scrolls the last output into history, so look there too.
      const history = p.gone
        ? ""
        : (await tmux.capturePane(record.identity, { history: 50 })).stdout;
      const output = (history || paneLogTail(opts.paneLog)).replace(TMUX_DEAD_LINE, "");
      keepLastWords(opts.paneLog, output);
      // A runtime that prints why it cannot run and exits gets that cause, not just its status.
      const seen = adapter.classify(stripAnsi(output), settings);
      const why = seen.kind === "fatal" ? `: ${seen.cause}` : quote(lastLines(output));
      return {
        ok: false,
        reason: "died",
        error: `${adapter.name} ${await deathCause(p, record, opts)} while starting${why}`,
      };
    }
    const now = Date.now();
    if (p.screen !== lastScreen) changedAt = now;
    lastScreen = p.screen;
    if (adapter.kind === "router") return { ok: true, dialogs };
    const plain = stripAnsi(p.screen);
    const screen = adapter.classify(plain, settings);
    if (screen.kind !== "ready") readySince = undefined;
    // A dialog answered by choosing: how far the cursor is from the option (undefined: not seen).
    const moves =
      screen.kind === "dialog" && screen.choose
        ? movesTo(plain, screen.choose.cursor, screen.choose.option)
        : undefined;
    if (screen.kind === "ready") {
      readySince ??= now;
      if (now - readySince >= (adapter.readyHoldMs ?? 0)) return { ok: true, dialogs };
    } else if (screen.kind === "fatal") {
      return {
        ok: false,
        reason: "fatal-screen",
        error: `${adapter.name} cannot start: ${screen.cause}`,
      };
    } else if (screen.kind === "dialog") {
      // The answer may take a moment to redraw the screen: answer again only when it did not.
      const pending = answered?.screen === p.screen && now - answered.at < ANSWER_TAKES_MS;
      if (!pending && moves) {
        // Arrows first; Enter on a later look, once the cursor is seen on the option.
        await answer(tmux, record.identity, Array(Math.abs(moves)).fill(moves > 0 ? "Down" : "Up"));
        answered = { screen: p.screen, at: Date.now() };
      } else if (!pending && (moves === 0 || !screen.choose)) {
        if (dialogs.filter((d) => d === screen.name).length >= MAX_SAME_DIALOG) {
          return {
            ok: false,
            reason: "stuck-dialog",
            error: `${adapter.name} stays at its "${screen.name}" dialog after ${MAX_SAME_DIALOG} answers${quote(lastLines(p.screen, QUOTED_LINES))}`,
          };
        }
        dialogs.push(screen.name);
        await answer(tmux, record.identity, screen.keys);
        answered = { screen: p.screen, at: Date.now() };
      }
    }
    const unanswerable =
      screen.kind === "booting" ||
      (screen.kind === "dialog" && screen.choose !== undefined && moves === undefined);
    if (
      unanswerable &&
      adapter.stuckScreenMs !== undefined &&
      now - changedAt >= adapter.stuckScreenMs &&
      lastLines(plain, 1).length > 0
    ) {
      // A blank screen is a program still starting; a still one with text on it is waiting for
      // an answer nobody here knows.
      return {
        ok: false,
        reason: "unknown-screen",
        error: `${adapter.name} stopped at a screen iapeer does not know (unchanged for ${Math.round((now - changedAt) / 1000)}s)${quote(lastLines(p.screen, QUOTED_LINES))}`,
      };
    }
    if (Date.now() >= deadline) {
      return {
        ok: false,
        reason: "timeout",
        error: `${adapter.name} was not ready after ${Math.round(opts.timeoutMs / 1000)}s${quote(lastLines(lastScreen, QUOTED_LINES))}`,
      };
    }
    await Bun.sleep(POLL_MS[Math.min(look, POLL_MS.length - 1)] ?? 200);
  }
}
