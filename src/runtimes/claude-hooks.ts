import type { AgentSignal, Dialog } from "./agent-signal";
import { resetTimeIn } from "./limit-reset";

/**
 * Claude Code's hooks, iapeer's way of knowing what claude is doing without reading its screen.
 * They are given on claude's command line (`--settings <json>`), so the user's own settings and
 * hooks stay as they are; each runs `iapeer hook claude`, which hands the event to the daemon.
 */

/** The events iapeer listens to, and nothing else: each costs a process per occurrence. */
export const CLAUDE_HOOK_EVENTS = [
  "SessionStart",
  "UserPromptSubmit",
  "PreToolUse",
  "PermissionRequest",
  "PostToolUse",
  "Stop",
  "StopFailure",
  "SessionEnd",
] as const;

/** The `--settings` JSON that installs the hooks; `command` is a shell line. */
export function claudeHookSettings(command: string): string {
  const hook = [{ matcher: "*", hooks: [{ type: "command", command, timeout: 10 }] }];
  return JSON.stringify({
    hooks: Object.fromEntries(CLAUDE_HOOK_EVENTS.map((event) => [event, hook])),
  });
}

type Payload = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const isObject = (v: unknown): v is Payload => typeof v === "object" && v !== null;

/** What a permission or question dialog asks, from the tool call it is about. */
function dialogOf(payload: Payload): Dialog {
  const tool = str(payload.tool_name) ?? "a tool";
  const input = isObject(payload.tool_input) ? payload.tool_input : {};
  const questions = Array.isArray(input.questions) ? input.questions : [];
  const first = questions.find(isObject);
  if (first) {
    const options = (Array.isArray(first.options) ? first.options : [])
      .map((o) => (isObject(o) ? str(o.label) : str(o)))
      .filter((o): o is string => o !== undefined);
    return { question: str(first.question) ?? "a question", options, tool };
  }
  const what = str(input.command) ?? str(input.file_path) ?? str(input.url) ?? str(input.pattern);
  return {
    question: `Do you want to proceed? (${tool}${what ? `: ${what.slice(0, 200)}` : ""})`,
    options: [],
    tool,
  };
}

/** One hook event as a signal; undefined for an event iapeer does not read. */
export function readClaudeHook(payload: unknown, now: Date): AgentSignal | undefined {
  if (!isObject(payload)) return undefined;
  const ids = {
    ...(str(payload.session_id) && { agentSession: str(payload.session_id) }),
    ...(str(payload.transcript_path) && { transcript: str(payload.transcript_path) }),
  };
  switch (payload.hook_event_name) {
    case "SessionStart":
      return { state: "idle", ...ids };
    case "UserPromptSubmit":
      return { state: "busy", prompt: str(payload.prompt) ?? "", ...ids };
    case "PreToolUse":
    case "PostToolUse":
      return { state: "busy", ...ids };
    case "PermissionRequest":
      return { state: "asking", dialog: dialogOf(payload), ...ids };
    case "Stop":
      return {
        state: "idle",
        turnEnded: "answered",
        reply: str(payload.last_assistant_message) ?? "",
        ...ids,
      };
    case "StopFailure": {
      const words = str(payload.last_assistant_message) ?? str(payload.error) ?? "the turn failed";
      const limited = payload.error === "rate_limit" || /usage limit|limit reached/i.test(words);
      const reset = limited ? resetTimeIn(words, now) : undefined;
      return {
        state: limited ? "limited" : "errored",
        turnEnded: "failed",
        error: words,
        ...(reset && { resetAt: reset.toISOString() }),
        ...ids,
      };
    }
    case "SessionEnd":
      return { state: "exited", ...ids };
    default:
      return undefined;
  }
}
