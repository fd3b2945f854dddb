import type { RecentDeath } from "../lifecycle/crash-guard";
import type { PeerRuntimeState } from "../lifecycle/state";
import { ago, duration, stateCell } from "./output";

/**
 * One screen of `iapeer monitor`, as plain lines and the colour of each: a pure function of what
 * the daemon answered, so the command only draws it and a test can read it.
 */

export type PeerRow = PeerRuntimeState & { queued?: number };

export interface MonitorView {
  peers: PeerRow[];
  deaths: RecentDeath[];
  /** Why the daemon gave nothing this time (it is down, it refused); the last answer is kept. */
  problem?: string;
  now: Date;
}

export interface FrameLine {
  text: string;
  /** An SGR colour code for the whole line, or undefined for the terminal's own. */
  colour?: string;
}

const STATE_COLOURS: Record<string, string> = {
  live: "32",
  "always-on": "36",
  asleep: "2",
  stopped: "2",
  failed: "31",
  broken: "31",
};

const DEATHS_SHOWN = 5;

function deathCause(d: RecentDeath): string {
  if (d.class === "exited") return `exited with status ${d.status ?? "?"}`;
  if (d.class === "signaled") return `killed by ${d.signal ?? "a signal"}`;
  return d.detail ? `${d.class}: ${d.detail}` : d.class;
}

/** `3 peers: 1 live, 1 asleep, 1 stopped`: every state counted, stopped ones too. */
export function peerCounts(peers: PeerRow[]): string {
  const names = new Set(peers.map((p) => p.personality));
  const byState = new Map<string, number>();
  for (const p of peers.filter((p) => p.default))
    byState.set(p.state, (byState.get(p.state) ?? 0) + 1);
  const parts = [...byState].map(([state, n]) => `${n} ${state}`);
  const noun = names.size === 1 ? "peer" : "peers";
  return `${names.size} ${noun}${parts.length > 0 ? `: ${parts.join(", ")}` : ""}`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => [...(r[i] ?? "")].length)),
  );
  return [header, ...rows].map((cells) =>
    cells
      .map((c, i) => c + " ".repeat(Math.max(0, (widths[i] ?? 0) - [...c].length)))
      .join("  ")
      .trimEnd(),
  );
}

export function monitorFrame(view: MonitorView): FrameLine[] {
  const { peers, now } = view;
  const queued = peers.reduce((n, p) => n + (p.queued ?? 0), 0);
  const clock = now.toTimeString().slice(0, 8);
  const lines: FrameLine[] = [
    {
      text: `iapeer monitor  ${peerCounts(peers)}  queue ${queued}  ${clock}  (q quits)`,
      colour: "1",
    },
  ];
  if (view.problem) lines.push({ text: `daemon: ${view.problem}`, colour: "31" });
  lines.push({ text: "" });
  if (peers.length === 0) {
    lines.push({ text: "no peers yet: `iapeer create <name> --runtime echo` makes one" });
  } else {
    const rows = peers.map((p) => [
      p.personality,
      p.default ? p.runtime : `${p.runtime} (alt)`,
      stateCell(p, now.getTime()),
      p.agent?.state ?? "-",
      String(p.queued ?? 0),
      p.pid ? String(p.pid) : "-",
      duration(p.uptime_s),
      p.last_activity ? `${ago(p.last_activity, now.getTime())} ago` : "-",
    ]);
    const [head, ...body] = table(
      ["PEER", "RUNTIME", "STATE", "AGENT", "QUEUE", "PID", "UPTIME", "LAST ACTIVITY"],
      rows,
    );
    lines.push({ text: head as string, colour: "7" });
    body.forEach((text, i) => {
      // An agent waiting for a person's answer stands out whatever its session's state.
      const asking = peers[i]?.agent?.state === "asking";
      const colour = asking ? "33" : STATE_COLOURS[peers[i]?.state ?? ""];
      lines.push(colour ? { text, colour } : { text });
    });
  }
  const deaths = view.deaths.slice(-DEATHS_SHOWN);
  if (deaths.length > 0) {
    lines.push({ text: "" }, { text: "LAST DEATHS", colour: "7" });
    const width = Math.max(...deaths.map((d) => d.identity.length));
    for (const d of deaths)
      lines.push({ text: `${d.ts}  ${d.identity.padEnd(width)}  ${deathCause(d)}` });
  }
  return lines;
}

/** The frame cut to the screen (a line no wider than it, no more lines than it has). */
export function fitFrame(lines: FrameLine[], columns: number, rows: number): FrameLine[] {
  return lines
    .slice(0, Math.max(1, rows))
    .map((l) => ({ ...l, text: [...l.text].slice(0, columns).join("") }));
}
