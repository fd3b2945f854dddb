import { readFileSync } from "node:fs";
import { type Host, nowOf } from "../home/host";
import { getAgentState, saveAgentState } from "../lifecycle/agent-states";
import { dialogOnScreen } from "../runtimes/dialog-screen";
import { stripAnsi } from "../runtimes/screen";
import type { RuntimeAdapter } from "../runtimes/types";
import type { Tmux } from "../tmux/client";

/** After a failed turn, a pause before the next message (or the same one again). */
const ERRORED_PAUSE_MS = 5000;

/** How long a `busy` stands against a screen that shows no turn running. */
const BUSY_STANDS_MS = 15_000;

/** How long a hook's `asking` stands against a screen that shows no dialog. */
const ASKING_CHECK_MS = 10_000;

/**
 * Whether a message must wait rather than be typed now, and why, in words for its sender. Never
 * into a dialog meant for a person (the agent's hooks or its screen: either one is enough); not
 * while a limit holds; not into a turn that typing would interrupt.
 */
export async function holdFor(
  host: Host,
  personality: string,
  identity: string,
  adapter: RuntimeAdapter,
  tmux: Tmux,
): Promise<string | undefined> {
  const now = nowOf(host);
  const state = getAgentState(host.store, identity);
  const asking = (question: string) => `${personality} waits for a person's answer: "${question}"`;
  if (state?.state === "limited") {
    const until = state.resetAt
      ? Date.parse(state.resetAt)
      : Date.parse(state.since) + host.config.limitBackoffSecs * 1000;
    if (until > now.getTime())
      return `${personality} is rate-limited until ${new Date(until).toISOString()}${state.error ? ` (${state.error.slice(0, 160)})` : ""}`;
  }
  if (state?.state === "errored" && now.getTime() - Date.parse(state.since) < ERRORED_PAUSE_MS)
    return `${personality}'s last turn failed${state.error ? ` (${state.error.slice(0, 160)})` : ""}; it is tried again in a moment`;
  const screen = host.config.screenStates ? await tmux.capturePane(identity) : undefined;
  const plain = screen?.ok ? stripAnsi(screen.stdout) : undefined;
  const dialog = plain !== undefined ? dialogOnScreen(plain, adapter.markers.prompt) : undefined;
  const record = (next: "asking" | "idle" | "busy") =>
    host.store.write(() =>
      saveAgentState(
        host.store,
        {
          identity,
          state: next,
          source: "screen",
          ...(next === "asking" && dialog && { dialog }),
          turn: state?.turn ?? [],
          ...(state?.queued && { queued: state.queued }),
          ...(state?.agentSession && { agentSession: state.agentSession }),
          ...(state?.transcript && { transcript: state.transcript }),
        },
        now,
      ),
    );
  if (dialog) {
    if (state?.state !== "asking") record("asking");
    return asking(
      state?.state === "asking" && state.dialog ? state.dialog.question : dialog.question,
    );
  }
  if (state?.state === "asking") {
    // The screen cross-checks the hook: a dialog answered or cancelled where no hook reports it
    // (Escape, a person at the terminal) is gone from the screen.
    const stale =
      plain !== undefined && now.getTime() - Date.parse(state.updatedAt) > ASKING_CHECK_MS;
    if (!stale) return asking(state.dialog?.question ?? "a dialog");
    record(adapter.busyOnScreen?.(plain as string) ? "busy" : "idle");
  }
  if (adapter.busyInterrupts) {
    // The screen cross-checks a hook's `busy`: a turn whose end was not reported has ended when
    // the screen no longer shows it running.
    // A turn just begun may not show yet: a recent `busy` stands on its own for a while.
    const screenBusy = plain !== undefined && (adapter.busyOnScreen?.(plain) ?? false);
    const recent =
      state?.state === "busy" &&
      (plain === undefined || now.getTime() - Date.parse(state.updatedAt) < BUSY_STANDS_MS);
    const busy = screenBusy || recent;
    if (busy) return `${personality} is in the middle of a turn; the message goes when it ends`;
  }
  return undefined;
}

/** Whether the agent's own transcript of a session records the message: it was received. */
export function transcriptHas(transcript: string | undefined, messageId: string): boolean {
  if (!transcript) return false;
  try {
    return readFileSync(transcript, "utf8").includes(messageId);
  } catch {
    return false;
  }
}
