/**
 * Names in NATS. Hosts and personalities are validated names (a-z, 0-9, "-"), so they never hold
 * the "." that separates subject tokens nor the "*" and ">" wildcards.
 */

/** The one stream of the mesh: messages to peers and receipts back to their senders. */
export const STREAM = "IAPEER";
export const MESSAGE_SUBJECTS = "iapeer.msg.>";
export const RECEIPT_SUBJECTS = "iapeer.receipt.>";

/** The key-value bucket of every host's peers. */
export const DIRECTORY_BUCKET = "iapeer-directory";

/**
 * A message to `personality` on `host`, sent from `sender` (a host). The sender is in the subject
 * so the server's permissions can let a host send only as itself.
 */
export const messageSubject = (host: string, personality: string, sender: string): string =>
  `iapeer.msg.${host}.${personality}.${sender}`;

/** Every message to a peer on this host. */
export const hostMessages = (host: string): string => `iapeer.msg.${host}.*.*`;

/**
 * A receipt for a message from `origin`, reported by the host that delivered it. The reporter is
 * in the subject so the server's permissions can let a host report only as itself.
 */
export const receiptSubject = (origin: string, reporter: string): string =>
  `iapeer.receipt.${origin}.${reporter}`;

/** Every receipt for messages this host sent. */
export const hostReceipts = (origin: string): string => `iapeer.receipt.${origin}.*`;

/** The durable consumer through which a host takes its messages. */
export const inboxConsumer = (host: string): string => `inbox-${host}`;

/** The durable consumer through which a host takes the receipts for what it sent. */
export const receiptsConsumer = (host: string): string => `receipts-${host}`;

/**
 * Where the server answers this host's requests and hands it its consumers' items. One prefix per
 * host, so that a host's NATS user may listen on its own replies only: under the shared
 * `_INBOX.>` any host could read the messages another host pulls.
 */
export const inboxPrefix = (host: string): string => `_INBOX_${host}`;

export const directoryKey = (host: string, personality: string): string => `${host}.${personality}`;

/** Who a message subject is addressed to and which host sent it; undefined for another shape. */
export function messageRoute(subject: string): { personality: string; sender: string } | undefined {
  const [iapeer, kind, , personality, sender, ...rest] = subject.split(".");
  if (iapeer !== "iapeer" || kind !== "msg" || rest.length > 0) return undefined;
  return personality && sender ? { personality, sender } : undefined;
}

/** The host that reported a receipt, per its subject. */
export function reporterOf(subject: string): string | undefined {
  const parts = subject.split(".");
  return parts.length === 4 && parts[0] === "iapeer" && parts[1] === "receipt"
    ? parts[3]
    : undefined;
}
