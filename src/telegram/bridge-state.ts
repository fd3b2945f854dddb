import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DIR_MODE, writeFileAtomic } from "../core/fs";

/**
 * What the bridge remembers across its own restarts, in `<peer folder>/.iapeer/telegram-state.json`
 * (mode 0600, beside the profile). It is the bridge's alone: the profile is the user's (a change
 * to it restarts the session), and the daemon's database is reached only through routes that
 * have nothing to keep a chat's mute list in. Holds chat and message ids, never a token or text
 * a person wrote.
 */

/** A dialog pushed to the chats: the number its buttons carry, and where its messages are. */
export interface PushedDialog {
  /** The short id in the buttons' data (`d:<n>:<option>`), so the data stays under 64 bytes. */
  n: number;
  /** Which dialog: its session, when it started asking, and what it asks. */
  key: string;
  peer: string;
  runtime: string;
  identity: string;
  /** When the session began asking (the daemon's clock). */
  since: string;
  question: string;
  options: string[];
  messages: { chat: string; messageId: number }[];
}

/** A chat message sent to a peer, waiting for its receipts. */
export interface PendingReceipt {
  id: string;
  to: string;
  chat: number;
  messageId: number;
  /** The tick was given. */
  received?: boolean;
  since: string;
}

export interface BridgeMemory {
  /** Peers whose dialogs and state reports are not pushed (`/mute`). */
  muted: string[];
  /** The last event of the daemon's stream the bridge handled. */
  cursor?: number;
  nextDialog: number;
  dialogs: PushedDialog[];
  pending: PendingReceipt[];
  /** Per session, the failure states already reported in the episode that runs now. */
  reported: Record<string, string[]>;
}

const empty = (): BridgeMemory => ({
  muted: [],
  nextDialog: 1,
  dialogs: [],
  pending: [],
  reported: {},
});

export const stateFile = (peerDir: string): string =>
  join(peerDir, ".iapeer", "telegram-state.json");

/** The kept state; a missing or unreadable file starts afresh (nothing in it is precious). */
export function loadMemory(path: string): { memory: BridgeMemory; problem?: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { memory: empty(), ...(code !== "ENOENT" && { problem: `cannot read it (${code})` }) };
  }
  try {
    const read = JSON.parse(text) as Partial<BridgeMemory>;
    const memory = empty();
    if (Array.isArray(read.muted)) memory.muted = read.muted.filter((p) => typeof p === "string");
    if (typeof read.cursor === "number") memory.cursor = read.cursor;
    if (typeof read.nextDialog === "number") memory.nextDialog = read.nextDialog;
    // An entry of another shape (a hand edit, an older bridge) is dropped, not trusted.
    if (Array.isArray(read.dialogs))
      memory.dialogs = read.dialogs.filter(
        (d) =>
          typeof d?.n === "number" &&
          typeof d.key === "string" &&
          typeof d.peer === "string" &&
          Array.isArray(d.options) &&
          Array.isArray(d.messages),
      );
    if (Array.isArray(read.pending))
      memory.pending = read.pending.filter(
        (p) =>
          typeof p?.id === "string" &&
          typeof p.chat === "number" &&
          typeof p.messageId === "number",
      );
    if (read.reported && typeof read.reported === "object" && !Array.isArray(read.reported))
      memory.reported = read.reported;
    return { memory };
  } catch {
    return { memory: empty(), problem: "it is not JSON" };
  }
}

/** Written whole, atomically: a crash leaves the old state or the new. */
export function saveMemory(path: string, memory: BridgeMemory): string | undefined {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: DIR_MODE });
  } catch (error) {
    return `cannot create ${dirname(path)}: ${(error as Error).message}`;
  }
  const wrote = writeFileAtomic(path, `${JSON.stringify(memory, null, 1)}\n`);
  return wrote.ok ? undefined : wrote.error;
}
