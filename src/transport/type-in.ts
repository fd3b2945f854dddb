import { foregroundTaken } from "../launch/pid";
import { inputBox, withoutFaint } from "../runtimes/screen";
import type { DeliveryMarkers } from "../runtimes/types";
import type { Tmux } from "../tmux/client";

export interface TypeInOptions {
  /** How long a human's unsent draft holds the message back before it is typed anyway. */
  draftWaitMs: number;
  /** How long to wait to see the paste land, and to see Enter clear it. */
  confirmMs: number;
  /** Extra Enter keystrokes when the first does not clear the input. */
  enterRetries: number;
}

export const DEFAULT_TYPE_IN: TypeInOptions = {
  draftWaitMs: 30_000,
  confirmMs: 5000,
  enterRetries: 2,
};

type TypeInResult =
  | { outcome: "delivered"; heldMs: number }
  | { outcome: "unconfirmed"; reason: string; heldMs: number }
  /** Nothing was typed: safe to try again later. */
  | { outcome: "not-typed"; reason: string }
  /** Nothing was typed because a person's draft is on the input line: it waits, never merged. */
  | { outcome: "held"; reason: string };

/** How often the screen is read while a paste lands or an Enter clears it: a look is cheap. */
const POLL_MS = 10;

/** What the input box holds: its first line, and all of it (a paste may span lines). */
export interface InputView {
  line: string;
  area: string;
}

/**
 * The session's input box, read with escapes so that a faint placeholder is not taken for text;
 * undefined when no input line is on screen, null when the session is gone.
 */
export async function readInput(
  tmux: Tmux,
  identity: string,
  prompt: string,
  /** Lines of scrollback to read too: a long text pushes its prompt off the screen. */
  history = 0,
): Promise<InputView | undefined | null> {
  const screen = await tmux.capturePane(identity, {
    escapes: true,
    ...(history > 0 && { history }),
  });
  if (!screen.ok) return null;
  return inputBox(withoutFaint(screen.stdout), prompt);
}

/** Whether the pane's program has exited (or the session is gone). */
async function paneDead(tmux: Tmux, identity: string): Promise<boolean> {
  const res = await tmux.display(identity, "#{pane_dead}");
  return !res.ok || res.stdout.trim() === "1";
}

/** Whether the pane's program has handed its terminal to a job of its own (a shell's command). */
async function jobRunning(tmux: Tmux, identity: string): Promise<boolean> {
  const pid = Number((await tmux.display(identity, "#{pane_pid}")).stdout.trim());
  return pid > 0 && foregroundTaken(pid) === true;
}

/** Scrollback that holds a text's lines even on a narrow pane, with its prompt above them. */
export const historyFor = (text: string): number =>
  text.length > 2000 ? Math.ceil(text.length / 40) + text.split("\n").length : 0;

/** Longer texts take longer to show: a line editor redraws as the paste arrives. */
const landingWaitMs = (text: string, confirmMs: number): number => confirmMs + text.length / 4;

/**
 * Whether the input holds the start of this text, where the line was empty before: iapeer's own
 * unsubmitted paste, which it may clear; anything else may be a person's draft.
 */
export function holdsOurText(view: InputView | undefined | null, text: string): boolean {
  if (typeof view !== "object" || view === null) return false;
  const shown = compact(view.area).slice(0, 64);
  return shown !== "" && compact(text).startsWith(shown);
}

/** Without any whitespace: how a text compares with its copy wrapped or indented on a screen. */
const compact = (text: string): string => text.replace(/\s+/g, "");

/** The end of the text as it shows on an input line: its last line, without spaces. */
export function landingMark(text: string): string {
  const last = text.trimEnd().split("\n").at(-1) ?? "";
  return compact(last).slice(-16);
}

/** Whether the input box shows the mark (wherever a wrap or an indent put it). */
export function showsMark(view: InputView | undefined | null, mark: string): boolean {
  return typeof view === "object" && view !== null && compact(view.area).includes(mark);
}

/**
 * Type one text into a live TUI and confirm it landed: a uniquely named buffer pasted bracketed
 * (so newlines do not submit), wait until the input line shows it, Enter as its own keystroke
 * after the runtime's settle time, then wait until the input line clears. Never says delivered
 * without having seen both.
 */
export async function typeIn(
  tmux: Tmux,
  identity: string,
  bufferName: string,
  text: string,
  markers: DeliveryMarkers,
  opts: TypeInOptions = DEFAULT_TYPE_IN,
  /** Called once the text is in the session's input (it may be on screen from then on). */
  onTyped: () => void = () => {},
  /** Called right before the paste, once nothing holds it back any more. */
  onTyping: () => void = () => {},
): Promise<TypeInResult> {
  const started = Date.now();
  const prompt = markers.prompt;
  const history = historyFor(text);
  // A draft on the input line is a person's unsent text (or leftovers): never typed over, nor
  // merged with. What the runtime itself shows there (claude's queued-message hint) is no draft.
  const isDraft = (view: InputView) => view.line !== "" && !markers.notDraft?.test(view.line);
  let before = await readInput(tmux, identity, prompt, history);
  while (
    before !== null &&
    before !== undefined &&
    isDraft(before) &&
    Date.now() - started < opts.draftWaitMs
  ) {
    await Bun.sleep(200);
    before = await readInput(tmux, identity, prompt, history);
  }
  if (before === null) return { outcome: "not-typed", reason: "the session is gone" };
  if (before === undefined)
    return { outcome: "not-typed", reason: `no input line (${prompt}) on the screen` };
  if (isDraft(before))
    return {
      outcome: "held",
      reason: `a person's unsent text is on the input line (${JSON.stringify(before.line.slice(0, 60))}); the message waits until it is sent or cleared`,
    };
  const heldMs = Date.now() - started;

  onTyping();
  const loaded = await tmux.loadBuffer(bufferName, text);
  if (!loaded.ok)
    return { outcome: "not-typed", reason: `tmux load-buffer failed: ${loaded.stderr}` };
  const pasted = await tmux.pasteBuffer(bufferName, identity);
  // A paste-buffer that failed (timed out, say) may still have pasted: what the screen shows
  // decides, never the tmux client's exit status alone.
  if (pasted.ok) onTyped();
  else await tmux.call(["delete-buffer", "-b", bufferName]);

  const mark = landingMark(text);
  const landed = (input: InputView | null | undefined) =>
    typeof input === "object" &&
    input !== null &&
    input.area !== before.area &&
    (showsMark(input, mark) || (markers.pastePlaceholder?.test(input.area) ?? false));
  let shown: InputView | null | undefined;
  const landingMs = landingWaitMs(text, opts.confirmMs);
  for (const until = Date.now() + landingMs; Date.now() < until; await Bun.sleep(POLL_MS)) {
    shown = await readInput(tmux, identity, prompt, history);
    if (shown === null || landed(shown)) break;
  }
  if (!pasted.ok && !landed(shown))
    return { outcome: "not-typed", reason: `tmux paste-buffer failed: ${pasted.stderr}` };
  // Gone before any Enter of ours: the text went with the session, never submitted.
  if (shown === null) return { outcome: "not-typed", reason: "the session ended during the paste" };
  if (!shown || !landed(shown)) {
    // A line-based program keeps a half-shown paste on its line, where it would be the start
    // of every later input: clear it, only when the line was empty before and holds our text.
    if (
      markers.singleEnter &&
      before.line === "" &&
      (await clearOurText(tmux, identity, prompt, text))
    )
      return { outcome: "not-typed", reason: "the paste never showed whole on the input line" };
    return { outcome: "unconfirmed", reason: "the paste never showed on the input line", heldMs };
  }
  if (!pasted.ok) onTyped();
  const landedLine = shown.line;

  await Bun.sleep(markers.settleMs);
  // Its program gone before any Enter of ours: the text went with it, never submitted, and may
  // be typed again into the next session.
  const gone = { outcome: "not-typed", reason: "the session ended before Enter" } as const;
  if (await paneDead(tmux, identity)) return gone;
  for (let attempt = 0; attempt <= opts.enterRetries; attempt++) {
    const sent = await tmux.sendKeys(identity, ["Enter"]);
    // A send-keys that failed may still have pressed Enter: only a dead pane says it did not.
    if (!sent.ok && attempt === 0 && (await paneDead(tmux, identity))) return gone;
    for (
      const until = Date.now() + opts.confirmMs / (opts.enterRetries + 1);
      Date.now() < until;
      await Bun.sleep(POLL_MS)
    ) {
      const now = await readInput(tmux, identity, prompt, history);
      // Gone while its input line still showed the text, never seen taking it: typed again into
      // the next session. Losing it would be worse than the rare duplicate of a program that
      // read the Enter in its last milliseconds, which the envelope's id lets it recognise.
      if (now === null)
        return markers.singleEnter
          ? // A line-based program may have run it and ended (`exit`): never run it twice.
            {
              outcome: "unconfirmed",
              reason:
                "the session ended after Enter; it may have run the text, so it is not typed again",
              heldMs,
            }
          : { outcome: "not-typed", reason: "the session ended before it took the text" };
      // Submitted: the input line no longer holds what landed. Under the input line a TUI may
      // show a footer (codex: the conversation's title), which can quote the text back.
      if (now !== undefined && (now.line !== landedLine || !landed(now)))
        return { outcome: "delivered", heldMs };
      // A line-based program runs what it took: a job holding the terminal is the text taken,
      // though its line stays on screen until the job ends.
      if (markers.singleEnter && (await jobRunning(tmux, identity)))
        return { outcome: "delivered", heldMs };
    }
  }
  return {
    outcome: "unconfirmed",
    reason: `the input line did not clear after ${opts.enterRetries + 1} Enter keystrokes`,
    heldMs,
  };
}

/** Ctrl-U (erase to the start of the line: an edit, never an answer) when the line is ours. */
export async function clearOurText(
  tmux: Tmux,
  identity: string,
  prompt: string,
  text: string,
): Promise<boolean> {
  const history = historyFor(text);
  if (!holdsOurText(await readInput(tmux, identity, prompt, history), text)) return false;
  await tmux.sendKeys(identity, ["C-u"]);
  const after = await readInput(tmux, identity, prompt, history);
  return typeof after === "object" && after !== null && after.line === "";
}
