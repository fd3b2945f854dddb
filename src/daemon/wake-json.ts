import type { WakeResult } from "../lifecycle/wake";

/** The `--json` shape of wake, start and restart, and the daemon API's answer to them. */
export type WakeJson =
  | {
      ok: true;
      peer: string;
      identity: string;
      woke: boolean;
      mode?: string;
      ready_ms?: number;
      pid?: number;
    }
  | { ok: false; peer: string; refusal: string; error: string };

export function toWakeJson(peer: string, r: WakeResult): WakeJson {
  return r.ok
    ? {
        ok: true,
        peer,
        identity: r.session.identity,
        woke: r.woke,
        ...(r.mode && { mode: r.mode }),
        ...(r.readyMs !== undefined && { ready_ms: r.readyMs }),
        ...(r.session.panePid !== undefined && { pid: r.session.panePid }),
      }
    : { ok: false, peer, refusal: r.refusal, error: r.error };
}
