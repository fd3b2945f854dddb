import { defineCommand } from "citty";
import type { WakeJson } from "../daemon/wake-json";
import { askDaemon } from "./daemon-client";
import { actionError, EXIT } from "./exit-codes";
import { consola } from "./log";
import { eachPeer, severalPeers } from "./many";
import { printJson } from "./output";
import { jsonArg, peerName, peersArg, runtimeArg } from "./peer-arg";
import { withSpinner } from "./spinner";

/** Asked of the daemon, which owns the sessions (started when none runs). */
export function act(
  action: "wake" | "start" | "restart",
  peer: string,
  runtime: string | undefined,
): Promise<WakeJson> {
  const query = runtime ? `?runtime=${encodeURIComponent(runtime)}` : "";
  return askDaemon<WakeJson>("POST", `/v1/peers/${encodeURIComponent(peer)}/${action}${query}`);
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

function lifecycleCommand(action: "wake" | "start" | "restart", description: string, verb: string) {
  return defineCommand({
    meta: { name: action, description },
    args,
    async run({ args: a }) {
      const several = severalPeers(a);
      if (several) {
        const one = (name: string) =>
          act(action, name, a.runtime).then((r) =>
            r.ok ? r : Promise.reject(actionError(r.error)),
          );
        return eachPeer(several, a.json, one, sayWake(verb));
      }
      const name = peerName(a.peer);
      const work = () => act(action, name, a.runtime);
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
);
export const start = lifecycleCommand(
  "start",
  "Let a stopped or failed peer wake again, and wake it",
  "started",
);
export const restart = lifecycleCommand(
  "restart",
  "Start a peer afresh now (a new conversation)",
  "restarted",
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

/** Stop one peer, asked of the daemon; the identities whose sessions ended. */
export async function stopOne(name: string): Promise<string[]> {
  const answer = await askDaemon<{ ok: boolean; stopped?: string[]; error?: string }>(
    "POST",
    `/v1/peers/${encodeURIComponent(name)}/stop`,
  );
  if (!answer.ok) throw actionError(answer.error ?? "stop failed");
  return answer.stopped ?? [];
}
