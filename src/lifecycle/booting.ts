/**
 * The sessions this daemon is starting now, each with the switch that cancels its boot: `stop`
 * of a peer whose session is still booting ends that boot, instead of letting it run out its
 * deadline. In-process only: the daemon is the one process that wakes sessions.
 */
const booting = new Map<string, { personality: string; controller: AbortController }>();

/** Register a boot; the signal is aborted when the peer is stopped. Call the result when done. */
export function startBoot(
  identity: string,
  personality: string,
): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  booting.set(identity, { personality, controller });
  return {
    signal: controller.signal,
    done: () => {
      if (booting.get(identity)?.controller === controller) booting.delete(identity);
    },
  };
}

/** Cancel every boot of this peer; the identities that were booting. */
export function cancelBoots(personality: string): string[] {
  const cancelled: string[] = [];
  for (const [identity, b] of booting) {
    if (b.personality !== personality) continue;
    b.controller.abort();
    cancelled.push(identity);
  }
  return cancelled;
}
