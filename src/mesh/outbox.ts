import type { Message } from "../transport/messages";
import type { WireMessage } from "./wire";

/** What crosses to the recipient's host, from the stored message. */
export function wireOf(m: Message, thisHost: string): WireMessage {
  const personality = m.recipient.slice(0, m.recipient.indexOf("@"));
  return {
    v: 1,
    id: m.id,
    from: {
      personality: m.sender,
      host: thisHost,
      runtime: m.senderRuntime ?? "cli",
      intelligence: m.senderIntelligence ?? "natural",
    },
    to: { personality, host: m.toHost ?? "" },
    ...(m.runtime !== undefined && { runtime: m.runtime }),
    ...(m.topic !== undefined && { topic: m.topic }),
    body: m.body,
    attachments: m.attachments,
    createdAt: m.createdAt,
    ...(m.expiresAt !== undefined && { expiresAt: m.expiresAt }),
    ...(m.conversation !== undefined && { conversation: m.conversation }),
    ...(m.hops > 0 && { hops: m.hops }),
  };
}
