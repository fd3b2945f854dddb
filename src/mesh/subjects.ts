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

export const messageSubject = (host: string, personality: string): string =>
  `iapeer.msg.${host}.${personality}`;

/** Every message to a peer on this host. */
export const hostMessages = (host: string): string => `iapeer.msg.${host}.*`;

export const receiptSubject = (host: string): string => `iapeer.receipt.${host}`;

/** The durable consumer through which a host takes its messages. */
export const inboxConsumer = (host: string): string => `inbox-${host}`;

export const directoryKey = (host: string, personality: string): string => `${host}.${personality}`;

/** The personality a message subject is addressed to, or undefined for another shape. */
export function personalityOf(subject: string): string | undefined {
  const parts = subject.split(".");
  return parts.length === 4 && parts[0] === "iapeer" && parts[1] === "msg" ? parts[3] : undefined;
}
