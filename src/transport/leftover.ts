import { type Host, nowOf } from "../home/host";
import type { DeliveryMarkers } from "../runtimes/types";
import type { Tmux } from "../tmux/client";
import { finishMessage, getMessage } from "./messages";
import { type InputView, readInput } from "./type-in";

const ENVELOPE_ID = /<iapeer-message id="([A-Za-z0-9_-]+)"/g;

/**
 * Text left on a peer's input line is told apart by the message ids in it, not by guessing: a
 * person's draft holds the next message back (the draft wait), but iapeer's own leftover (a
 * message to this peer whose landing was never confirmed) is submitted at once, and that message
 * is then `delivered`. Text with an id this peer never got from iapeer is someone's: left alone.
 */
export async function submitOwnLeftover(
  host: Host,
  tmux: Tmux,
  identity: string,
  recipient: string,
  markers: DeliveryMarkers,
  confirmMs: number,
  /** The input box as just read. */
  view: InputView,
  /** The message this worker is about to type. */
  current?: string,
): Promise<string[]> {
  if (view.line === "") return [];
  const ids = [...view.area.matchAll(ENVELOPE_ID)].map((m) => m[1] as string);
  if (ids.length === 0) return [];
  const ours = ids.map((id) => getMessage(host.store, id));
  // Ours: unconfirmed messages to this peer, or the very message about to be typed (an earlier
  // attempt whose paste was reported failed, yet landed).
  if (
    ours.some((m) => m?.recipient !== recipient || (m.state !== "unconfirmed" && m.id !== current))
  )
    return [];
  await tmux.sendKeys(identity, ["Enter"]);
  for (const until = Date.now() + confirmMs; Date.now() < until; await Bun.sleep(50)) {
    const now = await readInput(tmux, identity, markers.prompt);
    if (now === null) return [];
    if (now !== undefined && now.line !== view.line) {
      const confirmed = ids;
      host.store.write(() => {
        for (const id of confirmed)
          if (id !== current) finishMessage(host.store, id, "delivered", nowOf(host));
      });
      if (confirmed.length > 0)
        host.events.write("leftover-submitted", { peer: recipient, ids: confirmed.join(",") });
      return confirmed;
    }
  }
  return [];
}
