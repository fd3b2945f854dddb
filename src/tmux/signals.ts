import { constants } from "node:os";

const NUMBER_TO_NAME = new Map<number, string>();
for (const [name, number] of Object.entries(constants.signals)) {
  // Some numbers have two names (SIGIOT/SIGABRT, SIGPOLL/SIGIO); the first listed is the usual one.
  if (!NUMBER_TO_NAME.has(number)) NUMBER_TO_NAME.set(number, name);
}

/**
 * A signal as tmux reports it, normalised to a `SIGTERM`-style name: tmux 3.3 prints the number
 * (as numbered on this host, where the hook ran), newer tmux the name with or without "SIG".
 */
export function signalName(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return NUMBER_TO_NAME.get(Number(value)) ?? `SIG${value}`;
  const upper = value.toUpperCase();
  return upper.startsWith("SIG") ? upper : `SIG${upper}`;
}
