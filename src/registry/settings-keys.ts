import { isAbsolute } from "node:path";
import { validatePersonality } from "../core/names";
import { fail, ok, type Result } from "../core/result";
import { parseApiUrl, parseChats } from "../core/telegram-config";
import { checkReadyPattern } from "../runtimes/command";
import { checkPrompt } from "../runtimes/prompt";
import { adapterFor } from "../runtimes/registry";
import { MESSAGE_FORMATS, type RuntimeSettings } from "../runtimes/types";

/**
 * The runtime settings a person may give, as `create`/`init` flags (`--prompt`) or as `set`
 * keys (`prompt=`): which runtime reads each and what a good value is. One table, so a value
 * refused at creation is refused when changed later, with the same words.
 */

type Field = keyof Pick<
  RuntimeSettings,
  | "command"
  | "prompt"
  | "ready"
  | "format"
  | "permissionMode"
  | "approvals"
  | "bin"
  | "systemPromptFile"
  | "args"
  | "reply"
  | "tokenFile"
  | "chats"
  | "api"
  | "defaultPeer"
>;

interface RuntimeKey {
  field: Field;
  describe: string;
  runtimes: readonly string[] | "tui";
  /** The value as typed (never empty: an empty value unsets), or why it is bad. */
  parse(text: string, label: string): Result<RuntimeSettings[Field]>;
}

const asText = (text: string): Result<string> => ok(text);

function parseArgs(text: string, label: string): Result<string[]> {
  if (!text.trimStart().startsWith("[")) return ok(text.split(/\s+/).filter((w) => w !== ""));
  try {
    const list: unknown = JSON.parse(text);
    if (Array.isArray(list) && list.every((a) => typeof a === "string")) return ok(list);
  } catch {
    // reported below
  }
  return fail(`${label} must be words, or a JSON list of strings`);
}

export const RUNTIME_KEYS: Record<string, RuntimeKey> = {
  command: {
    field: "command",
    describe: "the command line to run",
    runtimes: ["command"],
    parse: asText,
  },
  prompt: {
    field: "prompt",
    describe: 'how its input line starts: a literal ("sh> ") or a /regex/',
    runtimes: ["command"],
    parse(text, label) {
      const bad = checkPrompt(text);
      return bad ? fail(`${label}: ${bad}`) : ok(text);
    },
  },
  ready: {
    field: "ready",
    describe: "a regex that matches the screen once it is ready for input",
    runtimes: ["command"],
    parse(text, label) {
      const bad = checkReadyPattern(text);
      return bad ? fail(`${label}: ${bad}`) : ok(text);
    },
  },
  format: {
    field: "format",
    describe: "envelope (XML, the default) or text (the body alone)",
    runtimes: "tui",
    parse(text, label) {
      return (MESSAGE_FORMATS as readonly string[]).includes(text)
        ? ok(text as RuntimeSettings["format"])
        : fail(`${label} must be ${MESSAGE_FORMATS.join(" or ")} (got ${JSON.stringify(text)})`);
    },
  },
  "permission-mode": {
    field: "permissionMode",
    describe: "claude's --permission-mode (default bypassPermissions)",
    runtimes: ["claude"],
    parse: asText,
  },
  approvals: {
    field: "approvals",
    describe:
      "codex's approval policy (-a: on-request or never); unset, codex runs with approvals and sandbox bypassed",
    runtimes: ["codex"],
    parse(text, label) {
      // What the pinned codex takes (`codex --help`); another value makes it exit 2 at start.
      return ["on-request", "never"].includes(text)
        ? ok(text)
        : fail(`${label} must be on-request or never (got ${JSON.stringify(text)})`);
    },
  },
  "system-prompt-file": {
    field: "systemPromptFile",
    describe: "a file whose text claude appends to its system prompt",
    runtimes: ["claude"],
    parse: asText,
  },
  bin: {
    field: "bin",
    describe: "the runtime's executable, when not the usual name on PATH",
    runtimes: ["claude", "codex", "telegram"],
    parse: asText,
  },
  args: {
    field: "args",
    describe: "extra arguments for the runtime's program (words, or a JSON list)",
    runtimes: ["claude", "codex", "telegram", "echo"],
    parse: parseArgs,
  },
  reply: {
    field: "reply",
    describe: "the echo agent answers peers' messages (true or false)",
    runtimes: ["echo"],
    parse(text, label) {
      if (text === "true") return ok(true);
      if (text === "false") return ok(false);
      return fail(`${label} must be true or false (got ${JSON.stringify(text)})`);
    },
  },
  "token-file": {
    field: "tokenFile",
    describe: "a file of mode 0600 holding the bot token (absolute path)",
    runtimes: ["telegram"],
    parse(text, label) {
      return isAbsolute(text) ? ok(text) : fail(`${label} must be an absolute path`);
    },
  },
  chats: {
    field: "chats",
    describe: "the chat ids the bridge hears, comma-separated",
    runtimes: ["telegram"],
    parse: (text, label) => parseChats(text, label),
  },
  api: {
    field: "api",
    describe: "the Telegram Bot API's base URL",
    runtimes: ["telegram"],
    parse: (text, label) => parseApiUrl(text, label),
  },
  "default-peer": {
    field: "defaultPeer",
    describe: "who a chat message that names no peer goes to",
    runtimes: ["telegram"],
    parse(text, label) {
      const name = validatePersonality(text);
      return name.ok ? name : fail(`${label}: ${name.error}`);
    },
  },
};

function readsKey(runtime: string, key: RuntimeKey): boolean {
  if (key.runtimes !== "tui") return key.runtimes.includes(runtime);
  const adapter = adapterFor(runtime);
  return adapter.ok && adapter.value.kind === "tui";
}

function whyNot(runtime: string, name: string, label: string): string {
  const key = RUNTIME_KEYS[name] as RuntimeKey;
  if (key.runtimes === "tui")
    return `${label} is not for the ${runtime} runtime: its bridge always gets the envelope`;
  if (key.runtimes.length === 1 && key.runtimes[0] === "command")
    return `${label} is only for the command runtime; ${runtime} runs a program iapeer knows`;
  return `${label} is only for the ${key.runtimes.join(", ")} runtime${key.runtimes.length > 1 ? "s" : ""}; ${runtime} does not read it`;
}

/**
 * Set one runtime setting (`name` as typed, `label` the way the person wrote it: `--prompt` or
 * `prompt`) in a runtime's settings; an empty value unsets it (unless a flag gave it). A key the runtime does not read,
 * or a bad value, is refused with why.
 */
export function setRuntimeKey(
  runtime: string,
  settings: RuntimeSettings,
  name: string,
  text: string,
  label: string,
  emptyUnsets = true,
): Result<RuntimeSettings> {
  const key = RUNTIME_KEYS[name];
  if (!key) return fail(`${label} is not a runtime setting`);
  if (!readsKey(runtime, key)) return fail(whyNot(runtime, name, label));
  const next: RuntimeSettings = { ...settings };
  if (text === "" && emptyUnsets) {
    delete next[key.field];
    return ok(next);
  }
  const value = key.parse(text, label);
  if (!value.ok) return value;
  return ok({ ...next, [key.field]: value.value });
}
