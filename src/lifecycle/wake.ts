import { makeIdentity } from "../core/names";
import { peerLog, tmuxSocket } from "../core/paths";
import { type Host, nowOf } from "../home/host";
import { type LaunchConfig, launch } from "../launch/launch";
import { sameProcess } from "../launch/pid";
import { stopSession } from "../launch/stop";
import { refreshMcp } from "../registry/mcp-connect";
import { inspectProfile } from "../registry/profile";
import { getPeer, type PeerRecord } from "../registry/registry";
import { adapterFor } from "../runtimes/registry";
import { Tmux } from "../tmux/client";
import { markIdleOnScreen, resetAgentState } from "./agent-states";
import { startBoot } from "./booting";
import { recordDeath } from "./crash-guard";
import { withPeerLock } from "./peer-lock";
import { recordSessionDeath } from "./session-death";
import { getSession, recordLaunched, type SessionRow } from "./sessions";
import { settleUnreaped } from "./unreaped";

type WakeRefusal =
  | "unknown-peer"
  | "unknown-runtime"
  | "stopped"
  | "always-on"
  | "failed"
  | "busy"
  | "broken"
  | "launch";

export type WakeResult =
  | { ok: true; woke: boolean; session: SessionRow; mode?: "fresh" | "resume"; readyMs?: number }
  | { ok: false; refusal: WakeRefusal; error: string };

interface WakeOptions {
  runtime?: string;
  /** `restart`: a fresh start now, whatever the last session was. */
  reason?: "restart";
}

const refuse = (refusal: WakeRefusal, error: string): WakeResult => ({ ok: false, refusal, error });

function until(host: Host, iso: string): string {
  const secs = Math.max(0, Math.ceil((Date.parse(iso) - nowOf(host).getTime()) / 1000));
  return `${iso} (in ${secs}s)`;
}

/** Why a wake may not happen now, or undefined when it may. */
function wakeRefusal(host: Host, peer: PeerRecord): WakeResult | undefined {
  if (peer.stopped) {
    return refuse(
      "stopped",
      `peer ${peer.personality} is stopped; \`iapeer start ${peer.personality}\` lets it wake again`,
    );
  }
  if (peer.profile.wake === "always-on") {
    return refuse(
      "always-on",
      `peer ${peer.personality} is always-on: its service manager keeps it running, iapeer does not wake it`,
    );
  }
  // The profile is the truth: a broken one is fixed first, not guessed around.
  const onDisk = inspectProfile(peer.cwd);
  if (onDisk.kind === "broken") {
    return refuse(
      "broken",
      `peer ${peer.personality}'s profile is broken (${onDisk.reason}); fix ${onDisk.path}, then wake it`,
    );
  }
  if (peer.failedUntil && Date.parse(peer.failedUntil) > nowOf(host).getTime()) {
    return refuse(
      "failed",
      `peer ${peer.personality} keeps dying (crash-loop guard); wakes are refused until ${until(host, peer.failedUntil)}, or \`iapeer start ${peer.personality}\``,
    );
  }
  return undefined;
}

/** A session is live when its row says so and its tmux server is the very process that was started. */
export function isLive(s: SessionRow | undefined): s is SessionRow {
  return s?.state === "live" && sameProcess(s.serverPid, s.serverToken);
}

export function launchConfigFor(host: Host, identity: string): LaunchConfig {
  return {
    socket: tmuxSocket(host.layout, identity),
    exitsLog: host.layout.exitsLog,
    paneLog: peerLog(host.layout, identity),
    events: host.events,
    home: host.config.home,
    sockDir: host.config.sockDir,
    path: host.config.path,
    inherited: host.config.env,
    iapeer: host.iapeer,
  };
}

/**
 * Make sure a peer's session is live: return it when it is, start it when it is not. One wake at
 * a time per identity, across processes; a second caller waits and then finds it live. A peer
 * put to sleep for idleness resumes its conversation; anything else starts fresh.
 */
export async function wakeOrSpawn(
  host: Host,
  personality: string,
  opts: WakeOptions = {},
): Promise<WakeResult> {
  const first = getPeer(host.store, personality);
  if (!first) return refuse("unknown-peer", `no peer named ${personality}; see \`iapeer list\``);
  const runtime = opts.runtime ?? first.profile.defaultRuntime;
  if (!first.profile.runtimes.includes(runtime)) {
    return refuse(
      "unknown-runtime",
      `peer ${personality} has no ${runtime} runtime (it has ${first.profile.runtimes.join(", ")})`,
    );
  }
  const id = makeIdentity(runtime, personality);
  if (!id.ok) return refuse("unknown-runtime", id.error);
  const identity = id.value.identity;
  const adapter = adapterFor(runtime);
  if (!adapter.ok) return refuse("unknown-runtime", adapter.error);

  const locked = await withPeerLock(
    host,
    identity,
    adapter.value.bootTimeoutMs + 15_000,
    async (): Promise<WakeResult> => {
      // Read again under the lock: another caller may have woken, stopped or removed it meanwhile.
      const peer = getPeer(host.store, personality);
      if (!peer) return refuse("unknown-peer", `no peer named ${personality}`);
      const refused = wakeRefusal(host, peer);
      if (refused) return refused;
      let current = getSession(host.store, identity);
      // A pane process tmux never reaped would make a dead session look alive.
      if (current?.state === "live") await settleUnreaped(host, current);
      if (opts.reason !== "restart" && isLive(current))
        return { ok: true, woke: false, session: current };
      if (current?.state === "live") {
        // It died and no supervision pass has seen it yet: record that first (the crash-loop
        // guard counts it), then look again at whether a wake may happen.
        recordSessionDeath(host, current);
        const after = getPeer(host.store, personality);
        const refusedNow = after && wakeRefusal(host, after);
        if (refusedNow) return refusedNow;
        current = getSession(host.store, identity);
      }
      // A session with no live row is an orphan of an interrupted wake: it would block this one.
      const tmux = new Tmux(tmuxSocket(host.layout, identity));
      if (await tmux.hasSession(identity)) {
        await stopSession(tmux);
        host.events.write("orphan-stopped", { identity });
      }

      const resume = opts.reason !== "restart" && current?.resume === true;
      const reason =
        opts.reason === "restart"
          ? "restart"
          : !current
            ? "first-start"
            : resume
              ? "idle-sleep"
              : "after-exit";
      host.events.write("wake", { identity, mode: resume ? "resume" : "fresh", reason });
      refreshMcp(host, peer.cwd, peer.profile);
      // Its hooks report from the first moments of the launch on: what the last session said ends.
      host.store.write(() => resetAgentState(host.store, identity, nowOf(host)));
      const boot = startBoot(identity, personality);
      const result = await launch(
        {
          identity: id.value,
          cwd: peer.cwd,
          resume,
          settings: peer.profile.settings[runtime] ?? {},
        },
        adapter.value,
        { ...launchConfigFor(host, identity), signal: boot.signal },
      ).finally(boot.done);
      if (!result.ok && result.reason === "tmux") return refuse("launch", result.error);
      // Stopped while it started: not a death, and no crash-loop count.
      if (!result.ok && result.reason === "cancelled")
        return refuse("stopped", `peer ${personality} was stopped while it was starting`);
      if (!result.ok) {
        const failedUntil = recordDeath(host, {
          identity,
          personality,
          class: "boot-failed",
          detail: `${result.reason}: ${result.error}`,
        });
        host.events.write("wake-failed", {
          identity,
          reason: result.reason,
          error: result.error,
          ...(failedUntil && { failed_until: failedUntil }),
        });
        return refuse("launch", result.error);
      }
      const s = result.session;
      const session = recordLaunched(
        host.store,
        { identity, personality, runtime },
        s,
        nowOf(host),
      );
      // Ready means at its input: a runtime with no signals of its own says no more than that.
      if (!adapter.value.signals) markIdleOnScreen(host, identity);
      return {
        ok: true,
        woke: true,
        session,
        mode: resume ? "resume" : "fresh",
        readyMs: s.readyMs,
      };
    },
  );
  return locked.ok ? locked.value : refuse("busy", locked.error);
}
