import { defineCommand } from "citty";
import { layoutOf } from "../core/paths";
import { callDaemon } from "../daemon/client";
import { runningDaemon } from "../daemon/info";
import { toWakeJson, type WakeJson } from "../daemon/wake-json";
import { adoptRunningSessions } from "../lifecycle/adopt";
import type { Host } from "../lifecycle/context";
import { startPeer, stopPeer } from "../lifecycle/control";
import { type WakeResult, wakeOrSpawn } from "../lifecycle/wake";
import { restartAnyPeer } from "../service/peer-service";
import { runCommand } from "../service/runner";
import { requireConfig, requireHost } from "./context";
import { actionError, EXIT } from "./exit-codes";
import { consola } from "./log";
import { eachPeer, severalPeers } from "./many";
import { printJson } from "./output";
import { jsonArg, peerName, peersArg, runtimeArg } from "./peer-arg";
import { withSpinner } from "./spinner";

/** Through the daemon when it runs (it owns the sessions), in this process when it does not. */
export async function act(
  action: "wake" | "start" | "restart",
  peer: string,
  runtime: string | undefined,
  local: (host: Host) => Promise<WakeResult>,
): Promise<WakeJson> {
  const daemon = runningDaemon(layoutOf(requireConfig()));
  if (daemon) {
    const query = runtime ? `?runtime=${encodeURIComponent(runtime)}` : "";
    const answer = await callDaemon<WakeJson>(
      daemon,
      "POST",
      `/v1/peers/${peer}/${action}${query}`,
    );
    if (!answer.ok) throw actionError(answer.error);
    return answer.value;
  }
  const host = requireHost({ check: true });
  // A session that runs but the database forgot is found, not started a second time.
  adoptRunningSessions(host, peer);
  return toWakeJson(peer, await local(host));
}

function report(r: WakeJson, json: boolean, verb: string): void {
  if (json) {
    printJson(r);
    if (!r.ok) process.exitCode = EXIT.failed;
    return;
  }
  if (!r.ok) throw actionError(r.error);
  if (!r.woke) consola.info(`${r.identity} is already live${r.pid ? ` (pid ${r.pid})` : ""}`);
  else
    consola.success(
      `${verb} ${r.identity}: ${r.mode} session ready in ${r.ready_ms} ms${r.pid ? ` (pid ${r.pid})` : ""}`,
    );
}

const args = { peer: peersArg, runtime: runtimeArg, json: jsonArg } as const;

const sayWake = (verb: string) => (r: WakeJson) =>
  r.ok
    ? r.woke
      ? `${verb} ${r.identity}: ${r.mode} session ready in ${r.ready_ms} ms${r.pid ? ` (pid ${r.pid})` : ""}`
      : `${r.identity} is already live${r.pid ? ` (pid ${r.pid})` : ""}`
    : `${r.peer}: ${r.error}`;

function lifecycleCommand(
  action: "wake" | "start" | "restart",
  description: string,
  verb: string,
  local: (host: Host, peer: string, runtime?: string) => Promise<WakeResult>,
) {
  return defineCommand({
    meta: { name: action, description },
    args,
    async run({ args: a }) {
      const several = severalPeers(a);
      if (several) {
        const one = (name: string) =>
          act(action, name, a.runtime, (host) => local(host, name, a.runtime)).then((r) =>
            r.ok ? r : Promise.reject(actionError(r.error)),
          );
        return eachPeer(several, a.json, one, sayWake(verb));
      }
      const name = peerName(a.peer);
      const work = () => act(action, name, a.runtime, (host) => local(host, name, a.runtime));
      report(
        a.json
          ? await work()
          : await withSpinner(`${action === "wake" ? "waking" : `${action}ing`} ${name}…`, work),
        a.json,
        verb,
      );
    },
  });
}

export const wake = lifecycleCommand(
  "wake",
  "Start a peer's session now, if it is not live",
  "woke",
  (host, peer, runtime) => wakeOrSpawn(host, peer, runtime ? { runtime } : {}),
);
export const start = lifecycleCommand(
  "start",
  "Let a stopped or failed peer wake again, and wake it",
  "started",
  startPeer,
);
export const restart = lifecycleCommand(
  "restart",
  "Start a peer afresh now (a new conversation)",
  "restarted",
  (host, peer, runtime) => restartAnyPeer(host, peer, runtime, runCommand),
);

export const stop = defineCommand({
  meta: {
    name: "stop",
    description: "Stop a peer's sessions; messages and wakes are refused until start",
  },
  args: { peer: peersArg, json: jsonArg },
  async run({ args: a }) {
    const several = severalPeers(a);
    if (several)
      return eachPeer(
        several,
        a.json,
        async (name) => ({ ok: true, peer: name, stopped: await stopOne(name) }),
        (r) =>
          r.stopped.length > 0
            ? `stopped ${r.stopped.join(", ")}`
            : `${r.peer} had no live session; it is marked stopped`,
      );
    const name = peerName(a.peer);
    const stopped = await stopOne(name);
    if (a.json) return printJson({ ok: true, peer: name, stopped });
    consola.success(
      stopped.length > 0
        ? `stopped ${stopped.join(", ")}`
        : `${name} had no live session; it is marked stopped`,
    );
  },
});

/** Stop one peer, through the daemon when it runs; the identities whose sessions ended. */
export async function stopOne(name: string): Promise<string[]> {
  const daemon = runningDaemon(layoutOf(requireConfig()));
  let stopped: string[];
  if (daemon) {
    const answer = await callDaemon<{ ok: boolean; stopped?: string[]; error?: string }>(
      daemon,
      "POST",
      `/v1/peers/${name}/stop`,
    );
    if (!answer.ok) throw actionError(answer.error);
    if (!answer.value.ok) throw actionError(answer.value.error ?? "stop failed");
    stopped = answer.value.stopped ?? [];
  } else {
    const r = await stopPeer(requireHost({ check: true }), name);
    if (!r.ok) throw actionError(r.error);
    stopped = r.value;
  }
  return stopped;
}
