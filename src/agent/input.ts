/**
 * Turns raw terminal input into key events: typed text, bracketed pastes, Enter, Backspace,
 * Ctrl-C, Ctrl-D. Chunks may split anywhere, even inside a paste marker, so an unfinished tail
 * is kept for the next chunk.
 */

export type KeyEvent =
  | { type: "text"; text: string }
  | { type: "paste"; text: string }
  | { type: "enter" }
  | { type: "backspace" }
  | { type: "interrupt" }
  | { type: "eof" }
  | { type: "arrow"; dir: "up" | "down" };

const PASTE_START = "\u001b[200~";
const PASTE_END = "\u001b[201~";
// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences start with ESC
const ESCAPE_SEQUENCE = /^\u001b(\[[0-?]*[ -/]*[@-~]|O.|.)?/;

export class InputParser {
  private pending = "";
  private pasting: string | undefined;

  feed(chunk: string): KeyEvent[] {
    this.pending += chunk;
    const events: KeyEvent[] = [];
    let text = "";
    const flushText = () => {
      if (text) events.push({ type: "text", text });
      text = "";
    };
    while (this.pending.length > 0) {
      if (this.pasting !== undefined) {
        const end = this.pending.indexOf(PASTE_END);
        if (end < 0) {
          // Keep a possible partial end marker; the rest is paste content.
          const keep = partialSuffix(this.pending, PASTE_END);
          this.pasting += this.pending.slice(0, this.pending.length - keep);
          this.pending = this.pending.slice(this.pending.length - keep);
          return events;
        }
        this.pasting += this.pending.slice(0, end);
        // Terminals send newlines in a paste as CR.
        events.push({ type: "paste", text: this.pasting.replace(/\r\n?/g, "\n") });
        this.pasting = undefined;
        this.pending = this.pending.slice(end + PASTE_END.length);
        continue;
      }
      const ch = this.pending[0] as string;
      if (ch === "\u001b") {
        if (this.pending.startsWith(PASTE_START)) {
          flushText();
          this.pasting = "";
          this.pending = this.pending.slice(PASTE_START.length);
          continue;
        }
        if (PASTE_START.startsWith(this.pending)) break; // maybe a split marker
        // Up and down move a dialog's cursor; any other sequence (focus events…) is ignored.
        const seq = ESCAPE_SEQUENCE.exec(this.pending);
        const len = seq?.[0].length ?? 1;
        const arrow = seq?.[0].slice(1);
        if (arrow === "[A" || arrow === "OA" || arrow === "[B" || arrow === "OB") {
          flushText();
          events.push({ type: "arrow", dir: arrow.endsWith("A") ? "up" : "down" });
        }
        this.pending = this.pending.slice(len);
        continue;
      }
      this.pending = this.pending.slice(1);
      if (ch === "\r" || ch === "\n") {
        flushText();
        events.push({ type: "enter" });
      } else if (ch === "\u007f" || ch === "\b") {
        flushText();
        events.push({ type: "backspace" });
      } else if (ch === "\u0003") {
        flushText();
        events.push({ type: "interrupt" });
      } else if (ch === "\u0004") {
        flushText();
        events.push({ type: "eof" });
      } else if (ch >= " " || ch === "\t") {
        text += ch;
      }
    }
    flushText();
    return events;
  }
}

function partialSuffix(text: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, text.length); n > 0; n--) {
    if (marker.startsWith(text.slice(-n))) return n;
  }
  return 0;
}
