import type { Host } from "../home/host";
import type { Dialog } from "../runtimes/agent-signal";
import { acceptMessage } from "./accept";

/**
 * When an agent starts waiting for a person's answer, the peer named by IAPEER_ASKING_TO (a
 * telegram bridge on a phone, say) is told, by the agent that asks. Returns whom to kick.
 */
export function announceAsking(
  host: Host,
  personality: string,
  dialog: Dialog,
): string | undefined {
  const to = host.config.askingTo;
  if (!to || to === personality) return undefined;
  const options = dialog.options.map((o, i) => `${i + 1}. ${o}`).join("\n");
  const body = [
    `${personality} waits for a person's answer: ${dialog.question}`,
    ...(options ? [options] : []),
    `Answer with \`iapeer approve ${personality} [option]\` or \`iapeer deny ${personality}\`.`,
  ].join("\n");
  const accepted = acceptMessage(host, { from: personality, to, body, topic: "asking" });
  if (!accepted.ok) {
    host.events.write("asking-notice-refused", {
      peer: personality,
      to,
      error: accepted.outcome.error ?? "refused",
    });
    return undefined;
  }
  return to;
}
