import { describe, expect, test } from "bun:test";
import { renderLine } from "../../src/cli/terminal-line";

const ESC = "\u001b";

describe("a pane log's line as the terminal showed it", () => {
  test.each([
    ["plain text stays", "hello", "hello"],
    ["colours go", `${ESC}[1;32mok${ESC}[0m done`, "ok done"],
    // bash: a pasted line highlighted, backed over with BS and printed again.
    ["backspaces over a paste", `$ ${ESC}[7mls${ESC}[27m\b\bls`, "$ ls"],
    ["carriage return overwrites from the start", "50%\r100%", "100%"],
    ["a CRLF ending leaves the line as it was", "done\r", "done"],
    ["cursor back then erase to the end", `abcdef${ESC}[3D${ESC}[K`, "abc"],
    ["erase the whole line", `old${ESC}[2Knew`, "   new"],
    ["cursor to a column", `abc${ESC}[1Gx`, "xbc"],
    ["delete characters", `abcdef${ESC}[3D${ESC}[2P`, "abcf"],
    ["a title (OSC) is not text", `${ESC}]0;my title\u0007prompt$ `, "prompt$ "],
    ["bracketed-paste switches are not text", `${ESC}[?2004hprompt$ `, "prompt$ "],
    ["a tab moves to the next stop", "a\tb", "a       b"],
    ["wide and astral characters are kept whole", "café 🙂", "café 🙂"],
  ])("%s", (_what, raw, shown) => {
    expect(renderLine(raw)).toBe(shown);
  });
});
