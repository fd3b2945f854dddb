/**
 * Choosing an option in a TUI's select list by what it says, not by where it is: claude puts
 * "No, exit" first in some versions and last in others, and a wrong Enter ends the session.
 */

const BORDERS = /^[\s│┃|]*$/;

/**
 * How many rows the cursor must move to stand on the option whose text matches (negative: up),
 * 0 when it is there, undefined when the cursor or the option is not on the screen. Option rows
 * are the lines whose text starts in the column where the cursor row's text starts; a wrapped
 * option or a description under it is indented further, so it is not counted.
 */
export function movesTo(screen: string, cursor: string, option: RegExp): number | undefined {
  const lines = screen.split("\n");
  let cursorRow = -1;
  let column = -1;
  for (let i = lines.length - 1; i >= 0 && cursorRow === -1; i--) {
    const line = lines[i] ?? "";
    const at = line.indexOf(`${cursor} `);
    if (at === -1 || !BORDERS.test(line.slice(0, at))) continue;
    const textAt = line.slice(at + cursor.length).search(/\S/);
    if (textAt === -1) continue;
    cursorRow = i;
    column = at + cursor.length + textAt;
  }
  if (cursorRow === -1) return undefined;
  const isOption = (i: number): boolean => {
    const line = lines[i] ?? "";
    if (i === cursorRow) return true;
    return (
      line.length > column && /\S/.test(line[column] ?? "") && BORDERS.test(line.slice(0, column))
    );
  };
  const text = (i: number): string => (lines[i] ?? "").slice(column).trim();
  // The list: option rows around the cursor, with at most two other lines between neighbours.
  const rows = [cursorRow];
  for (const step of [-1, 1]) {
    for (let i = cursorRow + step, gap = 0; i >= 0 && i < lines.length && gap <= 2; i += step) {
      if (isOption(i)) {
        rows.push(i);
        gap = 0;
      } else gap++;
    }
  }
  rows.sort((a, b) => a - b);
  const target = rows.find((i) => option.test(text(i)));
  if (target === undefined) return undefined;
  return rows.indexOf(target) - rows.indexOf(cursorRow);
}
