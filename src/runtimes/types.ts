import type { Identity } from "../core/names";
import type { Result } from "../core/result";
import type { AgentSignal } from "./agent-signal";

/** What the boot loop sees on a session's screen. */
export type Screen =
  | { kind: "booting" }
  | { kind: "ready" }
  /**
   * A boot dialog and the keys (tmux send-keys names) that answer it, sent one at a time with a
   * pause between: a TUI reading an arrow and Enter in one burst can drop the arrow.
   */
  | {
      kind: "dialog";
      name: string;
      keys: readonly string[];
      /**
       * Move the list's cursor (its glyph) onto the option whose text matches before the keys
       * are sent: the keys go only once the cursor is seen on it.
       */
      choose?: { option: RegExp; cursor: string };
    }
  /** A screen the runtime cannot get past by itself: fail the launch with this cause. */
  | { kind: "fatal"; cause: string };

/** How a message is typed into a peer's terminal. */
export const MESSAGE_FORMATS = ["envelope", "text"] as const;
export type MessageFormat = (typeof MESSAGE_FORMATS)[number];

/** Per-runtime settings from the peer's profile. */
export interface RuntimeSettings {
  /** `command` runtime: the command line to run (through sh, exec'd). */
  command?: string;
  /** `command` runtime: a regex that means "ready for input" when it matches the screen. */
  ready?: string;
  /**
   * The prompt that starts the input line, for readiness (`command`) and delivery: a literal
   * prefix, or a `/regex/` matched at the start of a line (see prompt.ts).
   */
  prompt?: string;
  /** How a message is typed in: the XML envelope (default), or its body alone (`text`). */
  format?: MessageFormat;
  /** Extra arguments appended to the runtime's own. */
  args?: string[];
  /** The runtime's executable, when not the default name on PATH. */
  bin?: string;
  /** claude: a file whose text is appended to the system prompt. */
  systemPromptFile?: string;
  /** claude: permission mode (default bypassPermissions, so an unattended agent never stalls). */
  permissionMode?: string;
  /** codex: its approval policy (`-a`); unset, approvals and the sandbox are bypassed. */
  approvals?: string;
  /** echo: simulate a slow boot. */
  bootDelayMs?: number;
  /** echo: show a trust dialog before the prompt. */
  bootDialog?: boolean;
  /** echo: answer peers' messages (bounded). */
  reply?: boolean;
  /** telegram: a file of mode 0600 holding the bot token (wins over IAPEER_TELEGRAM_TOKEN_FILE). */
  tokenFile?: string;
  /** telegram: the chat ids heard (wins over IAPEER_TELEGRAM_CHATS). */
  chats?: string[];
  /** telegram: the Bot API's base URL (wins over IAPEER_TELEGRAM_API). */
  api?: string;
  /** telegram: who a chat message that names no peer goes to. */
  defaultPeer?: string;
}

export interface RuntimeContext {
  identity: Identity;
  cwd: string;
  /** Resume the previous conversation (after an idle sleep) instead of starting fresh. */
  resume: boolean;
  settings: RuntimeSettings;
  /** argv that runs this iapeer (the compiled binary, or bun + the entry script). */
  iapeer: readonly string[];
  /** The session's PATH: where the runtime's binary is found. */
  path: string;
}

/** What delivery needs to know about a runtime's input area. */
export interface DeliveryMarkers {
  /** The prompt that starts the input line, e.g. "❯" or "›": a literal, or a `/regex/`. */
  prompt: string;
  /**
   * Enter is pressed once, never retried: a line-based program (shell, REPL) does not drop it,
   * and a second Enter would be input to the command the first one started.
   */
  singleEnter?: boolean;
  /** Shown instead of the text when a long paste lands, e.g. "[Pasted text #1 +12 lines]". */
  pastePlaceholder?: RegExp;
  /** Pause between the paste landing and the Enter keystroke. */
  settleMs: number;
  /** What the runtime itself shows on its input line that is no person's draft. */
  notDraft?: RegExp;
}

export interface RuntimeAdapter {
  readonly name: string;
  /** `tui`: an interactive screen to read; `router`: no TUI, ready once the session is up. */
  readonly kind: "tui" | "router";
  readonly bootTimeoutMs: number;
  /**
   * Ready only once the ready screen has held this long with no dialog or fatal screen: some
   * TUIs draw their input line first and a sign-in screen a moment later.
   */
  readonly readyHoldMs?: number;
  /**
   * A screen that is neither ready, a known dialog nor a known fatal screen, and has not changed
   * for this long, fails the boot at once, quoting it: an unknown dialog never costs the whole
   * boot deadline. Unset: only the deadline ends the wait.
   */
  readonly stuckScreenMs?: number;
  readonly markers: DeliveryMarkers;
  /** The pane's own process: argv[0] is exec'd directly by tmux, no wrapper shell. */
  argv(ctx: RuntimeContext): Result<string[]>;
  /** Extra environment for the session. */
  env?(ctx: RuntimeContext): Record<string, string>;
  /**
   * Before anything starts: why the runtime cannot work on this host with this environment,
   * when a screen would not tell in time (undefined: go ahead).
   */
  cannotRun?(ctx: RuntimeContext, env: Readonly<Record<string, string>>): string | undefined;
  /** Classify a plain (`capture-pane -p`) screen. */
  classify(screen: string, settings: RuntimeSettings): Screen;
  /**
   * The agent's own signals: `argv` installs its hooks (`hook` runs iapeer's `hook` command, as
   * a shell line or as argv), `read` turns one hook event into a signal.
   */
  readonly signals?: {
    argv(hook: { line: string; argv: readonly string[] }): string[];
    read(payload: unknown, now: Date): AgentSignal | undefined;
  };
  /**
   * Enter during a turn interrupts it (codex): a message waits for the turn to end instead of
   * being typed into it. Unset: the runtime queues what is typed during a turn (claude).
   */
  readonly busyInterrupts?: boolean;
  /** Whether a plain screen shows a turn running. */
  busyOnScreen?(screen: string): boolean;
  /**
   * The agent's words when a plain screen shows its last turn ended in an error, for a runtime
   * whose own signals say nothing of a failed turn (codex notifies only turns that completed).
   */
  turnFailedOnScreen?(screen: string): string | undefined;
}
