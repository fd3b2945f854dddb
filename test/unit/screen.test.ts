import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inputArea, inputLine, stripAnsi, withoutFaint } from "../../src/runtimes/screen";
import { landingMark, showsMark } from "../../src/transport/type-in";

const SCREENS = join(import.meta.dir, "..", "fixtures", "screens");
const ansi = (name: string): string => readFileSync(join(SCREENS, `${name}.ansi.txt`), "utf8");

describe("faint text", () => {
  test("codex's placeholder is faint: an empty input line reads empty, a draft reads as typed", () => {
    expect(inputLine(stripAnsi(ansi("codex-ready")), "›")).toBe("Ask Codex to do anything");
    expect(inputLine(withoutFaint(ansi("codex-ready")), "›")).toBe("");
    expect(inputLine(withoutFaint(ansi("codex-ready-with-draft")), "›")).toBe(
      "Say hello in one word",
    );
  });

  test("faint ends at a reset or at 22; extended colours are not attributes", () => {
    const E = "\u001b[";
    expect(withoutFaint(`a${E}2mhidden${E}0mb${E}2;1mx${E}22my`)).toBe("aby");
    expect(withoutFaint(`${E}38;5;2mgreen${E}38;2;2;2;2mrgb${E}m`)).toBe("greenrgb");
    expect(withoutFaint(`${E}2m${E}1mstill faint${E}mok`)).toBe("ok");
  });
});

describe("the input area", () => {
  test("a paste shown over several lines is read whole, up to the box's rule", () => {
    const screen = [
      "history",
      '› <iapeer-message from="a">',
      "  <body>hello</body>",
      "  </iapeer-message>",
      "",
      "  model default · /work",
    ].join("\n");
    expect(inputLine(screen, "›")).toBe('<iapeer-message from="a">');
    const area = inputArea(screen, "›");
    expect(area).toContain("</iapeer-message>");
    expect(showsMark({ line: "", area: area ?? "" }, landingMark("x\n</iapeer-message>"))).toBe(
      true,
    );
    const boxed = ["─".repeat(30), "❯ first", "  second", "─".repeat(30), "  footer"].join("\n");
    expect(inputArea(boxed, "❯")).toBe("first\nsecond");
  });

  test("a mark wrapped across lines by the terminal is still seen", () => {
    const mark = landingMark("<body>done</body>\n</iapeer-message>");
    expect(mark).toBe("/iapeer-message>");
    expect(showsMark({ line: "", area: "<body>done</body></iapeer-mes\n  sage>" }, mark)).toBe(
      true,
    );
    expect(showsMark({ line: "", area: "" }, mark)).toBe(false);
    expect(showsMark(undefined, mark)).toBe(false);
  });
});
