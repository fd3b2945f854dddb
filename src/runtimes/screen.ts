import { promptMatcher } from "./prompt";

/** Helpers for reading captured screens. */

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI sequences start with ESC
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

export function nonEmptyLines(screen: string): string[] {
  return screen
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
}

/** The last `n` non-empty lines, trimmed: what a failure reason quotes. */
export function lastLines(screen: string, n = 2): string[] {
  return nonEmptyLines(stripAnsi(screen))
    .slice(-n)
    .map((l) => l.trim());
}

const BORDER = /^[\s│┃|]*/;

/**
 * The text on the input line: the last line that starts (after box borders) with the prompt
 * (a glyph, any literal, or a `/regex/`: see prompt.ts), without the prompt and the right
 * border; undefined when there is no input line.
 */
export function inputLine(screen: string, prompt: string): string | undefined {
  return inputBox(screen, prompt)?.line;
}

const SGR_OR_OTHER =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: SGR sequences start with ESC
  /\u001b\[([0-9;:]*)m|\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;

/**
 * A screen captured with escapes (`capture-pane -e`), as plain text without what is drawn faint
 * (SGR 2): TUIs draw an empty input line's placeholder ("Ask Codex to do anything") and hints
 * that way, and typed text never is.
 */
export function withoutFaint(ansiScreen: string): string {
  let faint = false;
  let out = "";
  let at = 0;
  const keep = (text: string) => {
    if (!faint) out += text;
  };
  for (const match of ansiScreen.matchAll(SGR_OR_OTHER)) {
    keep(ansiScreen.slice(at, match.index));
    at = match.index + match[0].length;
    const params = match[1];
    if (params === undefined) continue;
    // Plain parameters only: a colon starts sub-parameters of one (38:2::r:g:b), skipped.
    const codes = params === "" ? [0] : params.split(";").map((p) => Number(p.split(":")[0]));
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      if (code === 0 || code === 22) faint = false;
      else if (code === 2) faint = true;
      else if (code === 38 || code === 48 || code === 58) {
        // Extended colours carry their own numbers, which are not attributes.
        i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0;
      }
    }
  }
  keep(ansiScreen.slice(at));
  // A faint span can leave a newline-free line with trailing blanks: lines keep their count.
  return out;
}

const RULE_LINE = /^[\s│┃|]*[─━]{3,}/;

/**
 * Everything typed into the input area: the input line (as `inputLine`) and the lines under it
 * that a multi-line draft or paste spreads over, up to the box's closing rule. Blank lines and
 * what follows the input box (a footer) may be included: callers look for their own text in it.
 */
export function inputArea(screen: string, prompt: string): string | undefined {
  return inputBox(screen, prompt)?.area;
}

/** The input line and the input area, found with one look for the last prompt line. */
export function inputBox(
  screen: string,
  prompt: string,
): { line: string; area: string } | undefined {
  const match = promptMatcher(prompt);
  const lines = screen.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const rest = match((lines[i] ?? "").replace(BORDER, ""));
    if (rest === undefined) continue;
    const area = [rest];
    for (const next of lines.slice(i + 1)) {
      if (RULE_LINE.test(next)) break;
      area.push(next.replace(BORDER, "").replace(/[\s│┃|]*$/, ""));
    }
    return { line: rest.replace(/[\s│┃|]*$/, "").trim(), area: area.join("\n").trim() };
  }
  return undefined;
}
