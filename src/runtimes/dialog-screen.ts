import type { Dialog } from "./agent-signal";

/**
 * A dialog for a person, read from the screen: a numbered list of options, one of them under the
 * list's cursor (claude's `❯ 1. Yes`, codex's `› 1. Yes, proceed`), and the question above it.
 * The screen is the fallback and the cross-check of the agent's own signals: either one saying a
 * dialog waits is enough to type nothing.
 */

const OPTION = /^[\s│┃|]*(\S)?\s*(\d{1,2})\.\s+(\S.*?)\s*[│┃|]?\s*$/;
const RULE = /^[\s│┃|]*[─━]{3,}/;
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function dialogOnScreen(screen: string, cursor: string): Dialog | undefined {
  const lines = screen.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = OPTION.exec(lines[i] ?? "");
    if (!m || m[1] !== cursor) continue;
    // The list around the cursor's row: options numbered 1, 2, … with descriptions between.
    const rows = new Map<number, string>([[Number(m[2]), m[3] as string]]);
    let first = i;
    let last = i;
    for (const step of [-1, 1]) {
      for (let j = i + step, gap = 0; j >= 0 && j < lines.length && gap <= 3; j += step) {
        const o = OPTION.exec(lines[j] ?? "");
        if (o && (o[1] === undefined || o[1] === cursor)) {
          rows.set(Number(o[2]), o[3] as string);
          if (j < first) first = j;
          if (j > last) last = j;
          gap = 0;
        } else gap++;
      }
    }
    // An input line under the list: the list is an old one, answered, still on the screen.
    const inputLine = new RegExp(`^[\\s│┃|]*${escapeRegExp(cursor)}(\\s|$)`);
    if (lines.slice(last + 1).some((l) => inputLine.test(l))) return undefined;
    const numbers = [...rows.keys()].sort((a, b) => a - b);
    if (numbers.length < 2 || numbers[0] !== 1) continue;
    if (numbers.some((n, k) => n !== k + 1)) continue;
    // The question: the nearest line above the list that asks (ends with "?"), and the line
    // right above the list when that is another (codex: the command it would run).
    const above: string[] = [];
    for (let j = first - 1; j >= 0 && above.length < 8; j--) {
      const text = (lines[j] ?? "").replace(/[│┃|]/g, "").trim();
      if (text === "" || RULE.test(lines[j] ?? "")) continue;
      above.push(text);
    }
    const asks = above.find((l) => l.endsWith("?"));
    const nearest = above[0] ?? "";
    const question = asks && asks !== nearest ? `${asks} ${nearest}` : (asks ?? nearest);
    return {
      question: question || "a dialog",
      options: numbers.map((n) => rows.get(n) as string),
    };
  }
  return undefined;
}
