/**
 * Told, in this process, when a stored message changes state, so a sender waiting for its outcome
 * is woken by the change instead of reading the database in a loop. Every waiter wakes at each
 * change and reads its own message again.
 */
const waiting = new Set<() => void>();

export function messageChanged(): void {
  for (const wake of [...waiting]) wake();
}

/** Resolves at the next change of any message, or after `ms`. */
export function nextMessageChange(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiting.delete(done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    waiting.add(done);
  });
}
