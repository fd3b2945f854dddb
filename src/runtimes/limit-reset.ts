/**
 * When an agent's words say a limit resets: "resets 7:44pm", "(7pm)", "try again in 30 seconds",
 * "retry after 5 minutes". The clock form is taken in local time, at its next occurrence.
 */
export function resetTimeIn(text: string, now: Date): Date | undefined {
  const after = /\b(?:in|after)\s+(\d+)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|h)\b/i.exec(
    text,
  );
  if (after) {
    const n = Number(after[1]);
    const unit = (after[2] ?? "s").toLowerCase();
    const ms = unit.startsWith("h") ? 3_600_000 : unit.startsWith("m") ? 60_000 : 1000;
    return new Date(now.getTime() + n * ms);
  }
  const clock = /\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b/i.exec(text);
  if (!clock) return undefined;
  let hour = Number(clock[1]) % 12;
  if ((clock[3] ?? "").toLowerCase() === "pm") hour += 12;
  const at = new Date(now);
  at.setHours(hour, Number(clock[2] ?? 0), 0, 0);
  if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
  return at;
}
