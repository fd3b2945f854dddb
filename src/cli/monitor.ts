import { defineCommand } from "citty";
import { colorWanted } from "../core/config";
import { layoutOf } from "../core/paths";
import { callDaemon } from "../daemon/client";
import { runningDaemon } from "../daemon/info";
import type { RecentDeath } from "../lifecycle/crash-guard";
import { daemonFor } from "./daemon-client";
import { usageError } from "./exit-codes";
import {
  type FrameLine,
  fitFrame,
  type MonitorView,
  monitorFrame,
  type PeerRow,
} from "./monitor-frame";
import { requireConfig } from "./need-config";

/**
 * `iapeer monitor`, as `pm2 monit` and `docker stats`: the peers' states, queues and last
 * activity, redrawn in place every interval from what the daemon answers, on the terminal's
 * alternate screen so quitting gives the screen back as it was.
 */

const ESC = "\u001b";
const ENTER = `${ESC}[?1049h${ESC}[?25l`;
const LEAVE = `${ESC}[?25h${ESC}[?1049l`;
/** The keys that quit: q, Q, Ctrl-C, Ctrl-D (raw mode turns Ctrl-C into a byte, not SIGINT). */
const QUIT_KEYS = new Set(["q", "Q", "\u0003", "\u0004"]);

/** Ask the running daemon; when it is away or refuses, the last answer stays and says why. */
async function look(layout: ReturnType<typeof layoutOf>, last: MonitorView): Promise<MonitorView> {
  const now = new Date();
  const daemon = runningDaemon(layout);
  if (!daemon) return { ...last, now, problem: "not running (`iapeer daemon start` starts it)" };
  const [peers, deaths] = await Promise.all([
    callDaemon<PeerRow[]>(daemon, "GET", "/v1/peers"),
    callDaemon<RecentDeath[]>(daemon, "GET", "/v1/deaths"),
  ]);
  if (!peers.ok) return { ...last, now, problem: peers.error };
  return { peers: peers.value, deaths: deaths.ok ? deaths.value : last.deaths, now };
}

function render(lines: FrameLine[], colour: boolean): string[] {
  return lines.map((l) => (colour && l.colour ? `${ESC}[${l.colour}m${l.text}${ESC}[0m` : l.text));
}

export default defineCommand({
  meta: {
    name: "monitor",
    description:
      "A live view of the peers (state, queue, last activity) and the last deaths, updated in place; q or Ctrl-C quits",
  },
  args: {
    interval: {
      type: "string",
      description: "Seconds between looks (0.2 to 60)",
      default: "1",
    },
  },
  async run({ args }) {
    const interval = Number(args.interval);
    if (!Number.isFinite(interval) || interval < 0.2 || interval > 60)
      throw usageError("--interval takes seconds from 0.2 to 60");
    const config = requireConfig();
    const layout = layoutOf(config);
    // The first look starts the daemon when none runs, as every command does; later ones only
    // ask, so a daemon stopped on purpose is shown as down, not started again.
    await daemonFor(config);
    let view = await look(layout, { peers: [], deaths: [], now: new Date() });
    const out = process.stdout;
    // Not a terminal: one look, plain, as `docker stats --no-stream` prints.
    if (!out.isTTY) {
      out.write(`${render(monitorFrame(view), false).join("\n")}\n`);
      return;
    }
    const colour = colorWanted(true);
    const draw = () => {
      const lines = fitFrame(monitorFrame(view), out.columns || 80, out.rows || 24);
      out.write(`${ESC}[H${render(lines, colour).join(`${ESC}[K\r\n`)}${ESC}[K${ESC}[J`);
    };

    let quit!: () => void;
    const quitting = new Promise<void>((resolve) => {
      quit = resolve;
    });
    const onKey = (data: Buffer) => {
      if ([...data.toString()].some((k) => QUIT_KEYS.has(k))) quit();
    };
    const stdin = process.stdin;
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on("data", onKey);
    stdin.resume();
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, quit);
    out.on("resize", draw);
    out.write(ENTER);
    let stopped = false;
    void quitting.then(() => {
      stopped = true;
    });
    try {
      while (!stopped) {
        draw();
        await Promise.race([quitting, Bun.sleep(interval * 1000)]);
        if (!stopped) view = await look(layout, view);
      }
    } finally {
      out.write(LEAVE);
      out.off("resize", draw);
      stdin.off("data", onKey);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
    }
    // A terminal's stdin, once read, can hold the process open after it is paused.
    process.exit(0);
  },
});
