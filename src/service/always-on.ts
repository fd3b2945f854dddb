import { makeIdentity, parseIdentity } from "../core/names";
import { fail, ok, type Result } from "../core/result";
import { type Host, nowOf } from "../home/host";
import { describeDeath } from "../launch/death";
import { launch } from "../launch/launch";
import { stopSession } from "../launch/stop";
import { awaitSessionEnd } from "../launch/watch";
import { recordDeath } from "../lifecycle/crash-guard";
import { getSession, markAsleep, recordLaunched } from "../lifecycle/sessions";
import { isLive, launchConfigFor } from "../lifecycle/wake";
import { refreshMcp } from "../registry/mcp-connect";
import { getPeer } from "../registry/registry";
import { adapterFor } from "../runtimes/registry";
import { Tmux } from "../tmux/client";

/** A death sooner than this after the start exits non-zero, so the manager's throttle applies. */
const QUICK_DEATH_SECS = 10;

interface AlwaysOnRun {
  /** The exit code for the service manager. */
  code: number;
  message: string;
}

/**
 * What launchd/systemd run for an always-on peer: bring its session up (with the exit hook, so
 * every death is in exits.log), then watch it. When it dies, exit (non-zero after a quick death)
 * and let the manager start it again. `stop` (SIGTERM/SIGINT) kills the session and its server,
 * so stopping the service leaves nothing running.
 */
export async function runAlwaysOn(
  host: Host,
  identityText: string,
  stop: AbortSignal,
): Promise<Result<AlwaysOnRun>> {
  const parsed = parseIdentity(identityText);
  if (!parsed.ok) return parsed;
  const { runtime, personality, identity } = parsed.value;
  const peer = getPeer(host.store, personality);
  if (!peer) return fail(`no peer named ${personality}`);
  if (!peer.profile.runtimes.includes(runtime))
    return fail(`peer ${personality} has no ${runtime} runtime`);
  if (peer.profile.wake !== "always-on")
    return fail(
      `peer ${personality} is not always-on; \`iapeer service install --peer ${personality}\` makes it one`,
    );
  // Stopped by a user: do not bring it back, whatever the manager's KeepAlive wants.
  if (peer.stopped)
    return ok({
      code: 0,
      message: `${identity} is stopped; \`iapeer start ${personality}\` brings it back`,
    });
  const adapter = adapterFor(runtime);
  if (!adapter.ok) return adapter;
  const id = makeIdentity(runtime, personality);
  if (!id.ok) return id;

  // A session left by a previous run (this process was SIGKILLed) is adopted, not doubled.
  let session = getSession(host.store, identity);
  if (!isLive(session)) {
    refreshMcp(host, peer.cwd, peer.profile);
    const launched = await launch(
      {
        identity: id.value,
        cwd: peer.cwd,
        resume: false,
        settings: peer.profile.settings[runtime] ?? {},
      },
      adapter.value,
      launchConfigFor(host, identity),
    );
    if (!launched.ok) {
      recordDeath(host, {
        identity,
        personality,
        class: "boot-failed",
        detail: `${launched.reason}: ${launched.error}`,
      });
      return ok({ code: 1, message: launched.error });
    }
    session = recordLaunched(
      host.store,
      { identity, personality, runtime },
      launched.session,
      nowOf(host),
    );
  }
  if (!session?.serverPid || !session.startedAt) return fail("the session has no server pid");
  host.events.write("always-on-start", {
    identity,
    server_pid: session.serverPid,
    pane_pid: session.panePid,
  });

  const record = {
    identity,
    serverPid: session.serverPid,
    panePid: session.panePid ?? 0,
    startedAt: session.startedAt,
  };
  const death = await awaitSessionEnd(record, { exitsLog: host.layout.exitsLog, signal: stop });
  const uptimeS = Math.round((nowOf(host).getTime() - Date.parse(session.startedAt)) / 1000);
  if (!death) {
    await stopSession(new Tmux(session.socket));
    host.store.write(() => markAsleep(host.store, identity, false, nowOf(host)));
    host.events.write("stop", { identity, reason: "service-stop" });
    return ok({ code: 0, message: `stopped ${identity}` });
  }
  host.store.write(() => markAsleep(host.store, identity, false, nowOf(host)));
  if (getPeer(host.store, personality)?.stopped)
    return ok({ code: 0, message: `${identity} was stopped` });
  const cls =
    death.class === "exited"
      ? { class: "exited", status: death.status }
      : death.class === "signaled"
        ? { class: "signaled", signal: death.signal }
        : { class: death.class };
  host.events.write("death", { identity, ...cls, uptime_s: uptimeS });
  recordDeath(host, { identity, personality, ...cls, uptimeS });
  const quick = uptimeS < QUICK_DEATH_SECS;
  return ok({
    code: quick ? 1 : 0,
    message: `${identity} ${describeDeath(death)} after ${uptimeS}s`,
  });
}
