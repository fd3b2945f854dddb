import { lastLines, stripAnsi } from "../runtimes/screen";
import type { DeliveryMarkers } from "../runtimes/types";
import type { Tmux } from "../tmux/client";
import { type InputView, readInput } from "./type-in";

type InputLineWait =
  /** `view`: the input box as it was first seen, for whoever looks at it next. */
  | { ok: true; waitedMs: number; view: InputView }
  | { ok: false; gone: true }
  | { ok: false; gone: false; error: string };

/** First looks come quickly (the line is usually there already), then every 250 ms. */
const POLL_MS = [25, 50, 100, 250];

/**
 * Wait until the session shows its input line. A session can be up before its program is ready
 * for input (a command peer with no `ready` or `prompt` is ready as soon as its session is), so a
 * message waits for the line, up to the runtime's boot deadline, instead of being given up on
 * while the program is still starting.
 */
export async function awaitInputLine(
  tmux: Tmux,
  identity: string,
  markers: DeliveryMarkers,
  timeoutMs: number,
): Promise<InputLineWait> {
  const started = Date.now();
  for (let look = 0; ; look++) {
    const view = await readInput(tmux, identity, markers.prompt);
    if (view === null) return { ok: false, gone: true };
    if (view !== undefined) return { ok: true, waitedMs: Date.now() - started, view };
    if (Date.now() - started >= timeoutMs) {
      const screen = await tmux.capturePane(identity);
      const last = screen.ok ? lastLines(stripAnsi(screen.stdout), 2) : [];
      return {
        ok: false,
        gone: false,
        error: `no input line (prompt ${markers.prompt}) on the screen after ${timeoutMs < 1000 ? `${timeoutMs}ms` : `${Math.round(timeoutMs / 1000)}s`}; if the program shows another prompt, set the peer's "prompt"${last.length > 0 ? `; last output: ${last.map((l) => JSON.stringify(l)).join(" / ")}` : ""}`,
      };
    }
    await Bun.sleep(POLL_MS[Math.min(look, POLL_MS.length - 1)] ?? 250);
  }
}
