import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { DIR_MODE, FILE_MODE } from "../core/fs";
import { InputParser, type KeyEvent } from "./input";

/**
 * The built-in echo agent: a small interactive terminal program that behaves like an agent's
 * TUI. It shows a `❯ ` prompt, takes typed and bracketed-pasted input, and on Enter "submits":
 * one JSON line `{"ts","text"}` is appended to `<cwd>/.iapeer/echo-received.jsonl` and printed.
 */

const ECHO_PROMPT = "❯ ";
export const ECHO_DIALOG_TITLE = "Do you trust the files in this folder?";
/** A message holding this makes the echo agent ask a person a question, as agents do. */
export const ASK_MARK = "[ask]";
export const ECHO_QUESTION = "Do you want to proceed?";
export const ASK_OPTIONS = ["Yes, go ahead", "No, stop here"] as const;

interface EchoOptions {
  cwd: string;
  bootDelayMs: number;
  bootDialog: boolean;
  /** Answer peers' messages (bounded: see replyTo) through `iapeer send`. */
  reply?: (submitted: string) => void;
}

export interface Terminal {
  write(text: string): void;
  columns(): number;
  /** Raw key input; resolves when input ends. */
  onData(handler: (chunk: string) => void): void;
  exit(code: number): never;
}

export function receivedLog(cwd: string): string {
  return join(cwd, ".iapeer", "echo-received.jsonl");
}

const BRACKETED_PASTE_ON = "\u001b[?2004h";
const BRACKETED_PASTE_OFF = "\u001b[?2004l";

/** The input line as shown: newlines as ↵, only the tail that fits the width. */
export function renderInput(buffer: string, columns: number): string {
  const shown = buffer.replaceAll("\n", "↵");
  const room = Math.max(8, columns - ECHO_PROMPT.length - 1);
  const chars = [...shown];
  return chars.length <= room ? shown : `…${chars.slice(-(room - 1)).join("")}`;
}

export function runEchoAgent(opts: EchoOptions, term: Terminal): void {
  let buffer = "";
  let stage: "booting" | "dialog" | "prompt" | "asking" = "booting";
  let choice = 0;
  const parser = new InputParser();

  const redraw = () => term.write(`\r\u001b[K${ECHO_PROMPT}${renderInput(buffer, term.columns())}`);
  const quit = (code: number): never => {
    term.write(`${BRACKETED_PASTE_OFF}\r\n`);
    return term.exit(code);
  };

  const showPrompt = () => {
    stage = "prompt";
    term.write(`echo agent ready in ${opts.cwd}\r\n\r\n`);
    redraw();
  };

  const record = (text: string): string => {
    const line = JSON.stringify({ ts: new Date().toISOString(), text });
    mkdirSync(join(opts.cwd, ".iapeer"), { recursive: true, mode: DIR_MODE });
    appendFileSync(receivedLog(opts.cwd), `${line}\n`, { mode: FILE_MODE });
    return line;
  };

  const optionLines = () =>
    ASK_OPTIONS.map((o, i) => `\r\u001b[K${i === choice ? "❯" : " "} ${i + 1}. ${o}`).join("\r\n");

  /** A question for a person, as claude asks one: Enter picks the option under the cursor. */
  const ask = () => {
    stage = "asking";
    choice = 0;
    term.write(`${ECHO_QUESTION}\r\n${optionLines()}\r\n  Enter to select · ↑/↓ to navigate`);
  };

  const handleAsking = (ev: KeyEvent) => {
    if (ev.type === "arrow") {
      choice =
        ev.dir === "up" ? Math.max(0, choice - 1) : Math.min(ASK_OPTIONS.length - 1, choice + 1);
      term.write(`\u001b[${ASK_OPTIONS.length}A${optionLines()}\r\n`);
      term.write("\r\u001b[K  Enter to select · ↑/↓ to navigate");
    } else if (ev.type === "text" || ev.type === "paste") {
      // Whatever is typed into the question is kept, so a test sees it if anything ever does.
      record(`typed into the question: ${ev.text}`);
    } else if (ev.type === "enter") {
      const line = record(`answered: ${ASK_OPTIONS[choice]}`);
      stage = "prompt";
      term.write(`\r\n${line}\r\n\r\n`);
      redraw();
    }
  };

  const submit = () => {
    const line = record(buffer);
    const submitted = buffer;
    buffer = "";
    term.write(`\r\n${line.replaceAll("\n", "\r\n")}\r\n\r\n`);
    if (submitted.includes(ASK_MARK)) return ask();
    redraw();
    opts.reply?.(submitted);
  };

  const handlePrompt = (ev: KeyEvent) => {
    switch (ev.type) {
      case "text":
      case "paste":
        buffer += ev.text;
        break;
      case "backspace":
        buffer = [...buffer].slice(0, -1).join("");
        break;
      case "enter":
        if (buffer.trim() !== "") submit();
        return;
      case "interrupt":
        if (buffer === "") quit(130);
        buffer = "";
        break;
      case "eof":
        if (buffer === "") quit(0);
        return;
    }
    redraw();
  };

  const handleDialog = (ev: KeyEvent) => {
    if (ev.type === "enter" || (ev.type === "text" && ev.text.startsWith("1"))) {
      term.write("\u001b[2J\u001b[H");
      showPrompt();
    } else if (ev.type === "interrupt" || (ev.type === "text" && ev.text.startsWith("2"))) {
      quit(1);
    }
  };

  term.write(BRACKETED_PASTE_ON);
  term.onData((chunk) => {
    for (const ev of parser.feed(chunk)) {
      if (stage === "prompt") handlePrompt(ev);
      else if (stage === "dialog") handleDialog(ev);
      else if (stage === "asking") handleAsking(ev);
    }
  });

  const afterBoot = () => {
    if (!opts.bootDialog) return showPrompt();
    stage = "dialog";
    term.write(
      [
        "╭──────────────────────────────────────────────╮",
        `│ ${ECHO_DIALOG_TITLE}       │`,
        "│                                              │",
        "│ ❯ 1. Yes, proceed                            │",
        "│   2. No, exit                                │",
        "╰──────────────────────────────────────────────╯",
        "  Enter to confirm · Esc to exit",
      ].join("\r\n"),
    );
  };
  if (opts.bootDelayMs > 0) {
    term.write("echo agent starting…\r\n");
    setTimeout(afterBoot, opts.bootDelayMs);
  } else {
    afterBoot();
  }
}
