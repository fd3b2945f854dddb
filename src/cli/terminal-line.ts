/**
 * One line of a pane log as a terminal would show it. A pane log is the raw stream the program
 * wrote, and line editors move the cursor over what they already printed: bash's readline shows
 * a bracketed paste highlighted, backs up over it and prints it again, so stripping escapes
 * alone shows the text twice. Writing the characters into cells, with the cursor moves a line
 * editor uses within one line, shows it once. Every other escape is dropped.
 */

// CSI (with its parameters), OSC (to BEL or ST), or a two-character escape.
const ESCAPE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are control characters
  /\u001b(?:\[([0-9;?<=>]*)[ -/]*([@-~])|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[ -~])/y;

function countOf(params: string): number {
  const n = Number.parseInt(params, 10);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

export function renderLine(raw: string): string {
  const cells: string[] = [];
  let col = 0;
  const put = (ch: string) => {
    while (cells.length < col) cells.push(" ");
    cells[col] = ch;
    col++;
  };
  let i = 0;
  while (i < raw.length) {
    const ch = String.fromCodePoint(raw.codePointAt(i) as number);
    if (ch === "\u001b") {
      ESCAPE.lastIndex = i;
      const m = ESCAPE.exec(raw);
      if (!m) {
        i++;
        continue;
      }
      i += m[0].length;
      const params = m[1] ?? "";
      switch (m[2]) {
        case "D": // cursor back
          col = Math.max(0, col - countOf(params));
          break;
        case "C": // cursor forward
          col += countOf(params);
          break;
        case "G": // cursor to column
          col = countOf(params) - 1;
          break;
        case "P": // delete characters
          cells.splice(col, countOf(params));
          break;
        case "K": // erase in line: 0 to the end, 1 to the start, 2 all
          if (params === "" || params === "0") cells.length = Math.min(cells.length, col);
          else if (params === "1") cells.fill(" ", 0, Math.min(cells.length, col + 1));
          else if (params === "2") cells.length = 0;
          break;
      }
      continue;
    }
    i += ch.length;
    if (ch === "\b") col = Math.max(0, col - 1);
    else if (ch === "\r") col = 0;
    else if (ch === "\t") {
      do put(" ");
      while (col % 8 !== 0);
    } else if (ch >= " " && ch !== "\u007f") put(ch);
  }
  return cells.join("");
}
