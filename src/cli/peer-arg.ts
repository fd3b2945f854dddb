import { validatePersonality } from "../core/names";
import { usageError } from "./exit-codes";

export const peerArg = {
  type: "positional",
  required: true,
  description: "The peer's name",
} as const;
export const runtimeArg = {
  type: "string",
  description: "One of the peer's runtimes (default: its default runtime)",
} as const;
export const jsonArg = { type: "boolean", description: "Print JSON", default: false } as const;

/** A peer name as typed: malformed is bad input (exit 2); unknown is for the command to say. */
export function peerName(raw: string | undefined): string {
  const name = validatePersonality(raw ?? "");
  if (!name.ok) throw usageError(name.error);
  return name.value;
}
