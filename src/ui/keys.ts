import { makeIdentity } from "../core/names";
import type { Host } from "../home/host";
import { getSession } from "../lifecycle/sessions";
import { isLive } from "../lifecycle/wake";
import { pane, Tmux } from "../tmux/client";

/** Keys from one request: a burst of typing, never a document. */
const MAX_KEY_BYTES = 4096;

export type Typed = { ok: true; bytes: number } | { ok: false; status: number; error: string };

/**
 * Keys typed in the dashboard's terminal, into the live session as they are (tmux `send-keys
 * -H`: the exact bytes, escape sequences and control keys included). Only behind the page's
 * explicit toggle; each burst is in the lifecycle log.
 */
export function typeKeys(host: Host, personality: string, runtime: string, data: string): Typed {
  const id = makeIdentity(runtime, personality);
  if (!id.ok) return { ok: false, status: 400, error: id.error };
  const bytes = Buffer.from(data, "utf8");
  if (bytes.length === 0 || bytes.length > MAX_KEY_BYTES)
    return { ok: false, status: 400, error: `between 1 and ${MAX_KEY_BYTES} bytes of keys` };
  const { identity } = id.value;
  const session = getSession(host.store, identity);
  if (!isLive(session)) return { ok: false, status: 409, error: `${identity} is not running` };
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0"));
  const sent = new Tmux(session.socket).run(["send-keys", "-t", pane(identity), "-H", ...hex]);
  if (!sent.ok) return { ok: false, status: 502, error: sent.stderr.trim() || "tmux refused" };
  host.events.write("ui-typed", { identity, bytes: bytes.length });
  return { ok: true, bytes: bytes.length };
}
