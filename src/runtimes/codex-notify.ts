import { tomlString } from "../core/toml";
import type { AgentSignal } from "./agent-signal";

/**
 * Codex's `notify` program, run at the end of each turn with the turn as one JSON argument
 * (`agent-turn-complete`: its input messages and the last reply). Given on codex's command line
 * (`-c notify=[…]`), so the user's config.toml stays as it is.
 */
export function codexNotifyArgs(argv: readonly string[]): string[] {
  return ["-c", `notify=[${argv.map(tomlString).join(",")}]`];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

export function readCodexNotify(payload: unknown): AgentSignal | undefined {
  if (!isObject(payload) || payload.type !== "agent-turn-complete") return undefined;
  const inputs = (Array.isArray(payload["input-messages"]) ? payload["input-messages"] : []).filter(
    (i): i is string => typeof i === "string",
  );
  // Codex's side conversations (a thread's title) quote the user's prompt inside their own: a
  // turn whose inputs carry an envelope only quoted is not the agent's own turn.
  const own = inputs.some((i) => i.trimStart().startsWith("<iapeer-message"));
  if (!own && inputs.some((i) => i.includes("<iapeer-message"))) return undefined;
  const reply = payload["last-assistant-message"];
  const thread = payload["thread-id"];
  return {
    state: "idle",
    prompt: inputs.join("\n"),
    turnEnded: "answered",
    reply: typeof reply === "string" ? reply : "",
    ...(typeof thread === "string" && { agentSession: thread }),
  };
}
