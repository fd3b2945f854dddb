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
 * glyph, without the glyph and the right border; undefined when there is no input line.
 */
export function inputLine(screen: string, prompt: string): string | undefined {
  const lines = screen.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = (lines[i] ?? "").replace(BORDER, "");
    if (line.startsWith(prompt)) {
      return line
        .slice(prompt.length)
        .replace(/[\s│┃|]*$/, "")
        .trim();
    }
  }
  return undefined;
}
