import type { StoredEvent } from "../store/journal";
import type { Bridge } from "./context";
import { dialogAnswered, mirrorDialogs } from "./dialogs";
import { followEvents } from "./event-stream";
import { onReceipt, sweepReceipts } from "./receipts";
import { onAgentState, onAnswered } from "./state-reports";

/**
 * The fleet watched for the chats: the daemon's events (agent states, dialogs answered, receipts)
 * as they happen, and the dialogs waiting looked at every few seconds, since an agent without
 * hooks of its own shows its dialog only on its screen, which no event announces. Each look
 * costs the daemon a look at each live agent's screen, hence seconds, not milliseconds.
 */

/** How often the dialogs waiting are looked at when no event says to look sooner. */
const DIALOG_LOOK_MS = 2000;
/** How often the chat's messages still waiting for receipts are looked at (events tell sooner). */
const RECEIPT_SWEEP_MS = 30_000;
/** The event cursor is written down at most this often (a restart hears a few events twice). */
const CURSOR_SAVE_MS = 5000;

export async function watchFleet(bridge: Bridge): Promise<void> {
  await Promise.all([
    followEvents(
      bridge,
      () => bridge.memory.cursor ?? "latest",
      (e) => bridge.serially(() => onEvent(bridge, e)),
    ),
    lookAtDialogs(bridge),
  ]);
}

async function onEvent(bridge: Bridge, e: StoredEvent): Promise<void> {
  switch (e.ev) {
    case "agent-state":
      await onAgentState(bridge, e);
      // A dialog begun or ended: look now rather than at the next look.
      bridge.lookAgain();
      break;
    case "dialog-answered":
      if (typeof e.identity === "string" && typeof e.option === "string")
        dialogAnswered(e.identity, e.option, e.ts);
      bridge.lookAgain();
      break;
    case "receipt":
      if (e.step === "answered" && typeof e.to === "string") onAnswered(bridge, e.to);
      await onReceipt(bridge, e);
      break;
  }
  bridge.memory.cursor = e.id;
}

async function lookAtDialogs(bridge: Bridge): Promise<void> {
  let swept = 0;
  let saved = { cursor: bridge.memory.cursor, at: Date.now() };
  while (!bridge.stop.aborted) {
    await bridge.serially(() => mirrorDialogs(bridge));
    if (Date.now() - swept >= RECEIPT_SWEEP_MS) {
      swept = Date.now();
      await bridge.serially(() => sweepReceipts(bridge));
    }
    if (bridge.memory.cursor !== saved.cursor && Date.now() - saved.at >= CURSOR_SAVE_MS) {
      bridge.remember();
      saved = { cursor: bridge.memory.cursor, at: Date.now() };
    }
    await nextLook(bridge, DIALOG_LOOK_MS);
  }
}

let poked = false;
let wake: (() => void) | undefined;

/** Look at the dialogs now (an event said one began or ended). */
export function lookAgain(): void {
  if (wake) wake();
  else poked = true;
}

function nextLook(bridge: Bridge, ms: number): Promise<void> {
  if (poked || bridge.stop.aborted) {
    poked = false;
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      bridge.stop.removeEventListener("abort", done);
      wake = undefined;
      poked = false;
      resolve();
    };
    const timer = setTimeout(done, ms);
    bridge.stop.addEventListener("abort", done);
    wake = done;
  });
}
