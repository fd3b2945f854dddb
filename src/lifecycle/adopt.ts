import { existsSync, readdirSync, readFileSync, statSync, unlinkSync } from "node:fs";
import { parseIdentity } from "../core/names";
import { tmuxSocket } from "../core/paths";
import { type Host, nowOf } from "../home/host";
import { sameProcess } from "../launch/pid";
import { getPeer } from "../registry/registry";
import { pane, Tmux } from "../tmux/client";
import { getSession, recordLaunched } from "./sessions";
import { isLive } from "./wake";

/**
 * Running sessions are found from their sockets, `run/tmux/<identity>.sock`, whatever the state
 * database says: after it was lost or rebuilt, a session that runs is still live in `list`,
 * and `stop` and `remove` end it.
 */

/** A socket file younger than this may be a server still starting: it is left alone. */
const STALE_SOCKET_MS = 10_000;

// One /proc/net/unix line: Num RefCount Protocol Flags Type St Inode [Path]
const PROC_LINE = /^\s*\S+:\s+\S+\s+\S+\s+([0-9A-Fa-f]+)\s+\S+\s+\S+\s+\S+\s?(.*)$/;
const LISTENING = 0x10000;

/** The listening unix sockets by path (Linux, no process run); undefined where /proc says none. */
function listeningSockets(): Set<string> | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/net/unix", "utf8");
  } catch {
    return undefined;
  }
  const paths = new Set<string>();
  for (const line of text.split("\n").slice(1)) {
    const m = PROC_LINE.exec(line);
    if (m?.[1] && m[2] && (Number.parseInt(m[1], 16) & LISTENING) !== 0) paths.add(m[2]);
  }
  return paths.size > 0 ? paths : undefined;
}

const tmuxAnswers = (socket: string): boolean =>
  new Tmux(socket).run(["list-sessions", "-F", "#{session_name}"]).ok;

/** Whether a tmux server listens on a socket: from /proc where it tells, else by asking tmux. */
function serverProbe(): (socket: string) => boolean {
  const listening = listeningSockets();
  if (listening) return (socket) => listening.has(socket);
  return tmuxAnswers;
}

/** The identities that have a socket file in run/tmux/. */
export function socketIdentities(host: Host): string[] {
  const dir = host.layout.tmuxSockDir;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sock") && parseIdentity(f.slice(0, -5)).ok)
    .map((f) => f.slice(0, -5))
    .sort();
}

/** The identities whose tmux server is up. */
export function runningIdentities(host: Host): string[] {
  const up = serverProbe();
  return socketIdentities(host).filter((id) => up(tmuxSocket(host.layout, id)));
}

/** A wake or an end of this identity is under way in a live process: its session is theirs. */
function lockedByOther(host: Host, identity: string): boolean {
  const row = host.store.db
    .query("SELECT pid, pid_token FROM wake_locks WHERE identity = ?")
    .get(identity) as { pid: number; pid_token: string | null } | null;
  return row !== null && sameProcess(row.pid, row.pid_token ?? undefined);
}

/**
 * Whether a server listens on a socket that /proc (or tmux) said is silent: an old socket file
 * is asked once more through tmux itself (a server in another network namespace is not in this
 * /proc), and removed when tmux finds no server either, so it is never asked about again.
 */
function answersAfterAll(socket: string): boolean {
  try {
    if (Date.now() - statSync(socket).mtimeMs <= STALE_SOCKET_MS) return false;
  } catch {
    return false;
  }
  if (tmuxAnswers(socket)) return true;
  try {
    unlinkSync(socket);
  } catch {
    // gone already, or not ours to remove
  }
  return false;
}

/**
 * Record as live every running session of a registered peer that the database does not know
 * as live (no row, or an asleep one), with its server's pid and start token as a wake would.
 * A socket nothing listens on is removed once tmux, too, finds no server on it.
 * Costs no process on Linux unless a session is found; returns the identities found.
 */
export function adoptRunningSessions(host: Host, personality?: string): string[] {
  const found: string[] = [];
  let up: ((socket: string) => boolean) | undefined;
  for (const identity of socketIdentities(host)) {
    const id = parseIdentity(identity);
    if (!id.ok || (personality !== undefined && id.value.personality !== personality)) continue;
    const row = getSession(host.store, identity);
    // A live row is the death pass's to judge; a registered peer is needed to hold a session.
    if (row?.state === "live" || !getPeer(host.store, id.value.personality)) continue;
    if (lockedByOther(host, identity)) continue;
    const socket = tmuxSocket(host.layout, identity);
    up ??= serverProbe();
    if (!up(socket) && !answersAfterAll(socket)) continue;
    const shown = new Tmux(socket).run([
      "display-message",
      "-p",
      "-t",
      pane(identity),
      "#{pid} #{pane_pid} #{session_created}",
    ]);
    const [serverPid, panePid, created] = shown.stdout.trim().split(" ").map(Number);
    if (!shown.ok || !serverPid || !panePid) continue;
    const session = recordLaunched(
      host.store,
      { identity, personality: id.value.personality, runtime: id.value.runtime },
      {
        socket,
        serverPid,
        panePid,
        startedAt: new Date(created ? created * 1000 : nowOf(host).getTime()).toISOString(),
      },
      nowOf(host),
    );
    if (!isLive(session)) continue;
    host.events.write("session-found", { identity, pid: panePid });
    found.push(identity);
  }
  return found;
}

/** The folder each running session works in (`#{session_path}`), by identity. */
export function runningSessionFolders(host: Host): Map<string, string> {
  const folders = new Map<string, string>();
  for (const identity of runningIdentities(host)) {
    const shown = new Tmux(tmuxSocket(host.layout, identity)).run([
      "display-message",
      "-p",
      "-t",
      pane(identity),
      "#{session_path}",
    ]);
    if (shown.ok && shown.stdout.trim() !== "") folders.set(identity, shown.stdout.trim());
  }
  return folders;
}
