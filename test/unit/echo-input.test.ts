import { describe, expect, test } from "bun:test";
import { renderInput } from "../../src/agent/echo-agent";
import { InputParser, type KeyEvent } from "../../src/agent/input";
import { inputLine, lastLines, stripAnsi } from "../../src/runtimes/screen";

function parse(chunks: string[]): KeyEvent[] {
  const p = new InputParser();
  return chunks.flatMap((c) => p.feed(c));
}

describe("terminal input parsing", () => {
  test("typed text, Enter, Backspace, Ctrl-C, Ctrl-D", () => {
    expect(parse(["hi\u007f!\r\u0003\u0004"])).toEqual([
      { type: "text", text: "hi" },
      { type: "backspace" },
      { type: "text", text: "!" },
      { type: "enter" },
      { type: "interrupt" },
      { type: "eof" },
    ]);
  });

  test("a bracketed paste keeps its newlines (sent as CR) and does not submit", () => {
    expect(parse(["\u001b[200~line one\rline two\r\n\u001b[201~\r"])).toEqual([
      { type: "paste", text: "line one\nline two\n" },
      { type: "enter" },
    ]);
  });

  test("markers split across chunks at every position", () => {
    const stream = "ab\u001b[200~pasted\rtext\u001b[201~cd\r";
    for (let cut = 1; cut < stream.length; cut++) {
      const events = parse([stream.slice(0, cut), stream.slice(cut)]);
      const joined = events.map((e) =>
        e.type === "text" ? `t:${e.text}` : e.type === "paste" ? `p:${e.text}` : e.type,
      );
      expect(
        joined
          .join("|")
          .replace(/t:a\|t:b/, "t:ab")
          .replace(/t:c\|t:d/, "t:cd"),
      ).toBe("t:ab|p:pasted\ntext|t:cd|enter");
    }
  });

  test("up and down arrows are keys (a question's cursor); other escape sequences are ignored", () => {
    expect(parse(["a\u001b[Ab\u001bOB\u001b[Cc\u001b[I"])).toEqual([
      { type: "text", text: "a" },
      { type: "arrow", dir: "up" },
      { type: "text", text: "b" },
      { type: "arrow", dir: "down" },
      { type: "text", text: "c" },
    ]);
  });
});

describe("screen helpers", () => {
  test("the input line is found inside a box, without its borders", () => {
    const screen = [
      "some output",
      "╭──────────╮",
      "│ ❯ draft  │",
      "╰──────────╯",
      "  ? for shortcuts",
    ].join("\n");
    expect(inputLine(screen, "❯")).toBe("draft");
    expect(inputLine("no prompt here", "❯")).toBeUndefined();
    expect(inputLine("❯ ", "❯")).toBe("");
  });

  test("the echo agent shows newlines as ↵ and only the tail that fits", () => {
    expect(renderInput("a\nb", 80)).toBe("a↵b");
    const long = renderInput("x".repeat(200), 40);
    expect([...long].length).toBeLessThanOrEqual(40 - 3);
    expect(long.startsWith("…")).toBe(true);
  });

  test("ANSI colour codes are stripped; the last non-empty lines are quoted", () => {
    expect(stripAnsi("\u001b[31mred\u001b[0m \u001b]0;title\u0007ok")).toBe("red ok");
    expect(lastLines("a\n\n  b  \n\nc\n\n")).toEqual(["b", "c"]);
  });
});
