import { defineCommand } from "citty";
import { consola } from "consola";
import type { Host } from "../lifecycle/context";
import { restartPeer, startPeer, stopPeer } from "../lifecycle/control";
import { type WakeResult, wakeOrSpawn } from "../lifecycle/wake";
import { requireHost } from "./context";
import { actionError, EXIT } from "./exit-codes";
import { printJson } from "./output";
import { jsonArg, peerArg, peerName, runtimeArg } from "./peer-arg";
import { withSpinner } from "./spinner";

const args = { peer: peerArg, runtime: runtimeArg, json: jsonArg } as const;

function report(peer: string, r: WakeResult, json: boolean, verb: string): void {
  if (json) {
    printJson(
      r.ok
        ? {
            ok: true,
            peer,
            identity: r.session.identity,
            woke: r.woke,
            ...(r.mode && { mode: r.mode }),
            ...(r.readyMs !== undefined && { ready_ms: r.readyMs }),
          }
        : { ok: false, peer, refusal: r.refusal, error: r.error },
    );
    if (!r.ok) process.exitCode = EXIT.failed;
    return;
  }
  if (!r.ok) throw actionError(r.error);
  if (!r.woke) consola.info(`${r.session.identity} is already live (pid ${r.session.panePid})`);
  else
    consola.success(
      `${verb} ${r.session.identity}: ${r.mode} session ready in ${r.readyMs} ms (pid ${r.session.panePid})`,
    );
}

async function waking(
  _host: Host,
  peer: string,
  json: boolean,
  work: () => Promise<WakeResult>,
): Promise<WakeResult> {
  return json ? work() : withSpinner(`waking ${peer}…`, work);
}

export const wake = defineCommand({
  meta: { name: "wake", description: "Start a peer's session now, if it is not live" },
  args,
  async run({ args: a }) {
    const name = peerName(a.peer);
    const host = requireHost();
    report(
      name,
      await waking(host, name, a.json, () =>
        wakeOrSpawn(host, name, a.runtime ? { runtime: a.runtime } : {}),
      ),
      a.json,
      "woke",
    );
  },
});

export const start = defineCommand({
  meta: { name: "start", description: "Let a stopped or failed peer wake again, and wake it" },
  args,
  async run({ args: a }) {
    const name = peerName(a.peer);
    const host = requireHost();
    report(
      name,
      await waking(host, name, a.json, () => startPeer(host, name, a.runtime)),
      a.json,
      "started",
    );
  },
});

export const restart = defineCommand({
  meta: { name: "restart", description: "Start a peer afresh now (a new conversation)" },
  args,
  async run({ args: a }) {
    const name = peerName(a.peer);
    const host = requireHost();
    report(
      name,
      await waking(host, name, a.json, () => restartPeer(host, name, a.runtime)),
      a.json,
      "restarted",
    );
  },
});

export const stop = defineCommand({
  meta: {
    name: "stop",
    description: "Stop a peer's sessions; messages and wakes are refused until start",
  },
  args: { peer: peerArg, json: jsonArg },
  run({ args: a }) {
    const name = peerName(a.peer);
    const r = stopPeer(requireHost(), name);
    if (!r.ok) throw actionError(r.error);
    if (a.json) return printJson({ ok: true, peer: name, stopped: r.value });
    consola.success(
      r.value.length > 0
        ? `stopped ${r.value.join(", ")}`
        : `${name} had no live session; it is marked stopped`,
    );
  },
});
