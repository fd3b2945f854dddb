import {
  DIRECTORY_BUCKET,
  hostMessages,
  hostReceipts,
  inboxConsumer,
  inboxPrefix,
  receiptsConsumer,
  STREAM,
} from "./subjects";

/**
 * What one host's NATS user may do, so that a host can act only as itself: send messages to any
 * peer, but report receipts, write directory entries and take messages only as and for itself.
 * Rendered into the server's configuration (README "Several hosts").
 *
 * A host may make and change only its own two consumers, and only through the create subject
 * that carries the filter (`CONSUMER.CREATE.<stream>.<consumer>.<filter>`, nats-server ≥ 2.9):
 * the server refuses a request whose filter is not the one in its subject, and the permission
 * names the filter, so a host can never point its consumer at another host's messages. The
 * older `CONSUMER.DURABLE.CREATE`, which carries no filter, is not allowed. It listens only
 * under its own inbox prefix, where the server hands it its replies and its consumers' items.
 */
interface HostPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
}

const KV_STREAM = `KV_${DIRECTORY_BUCKET}`;

export function hostPermissions(host: string): HostPermissions {
  const api = "$JS.API";
  const own: [string, string][] = [
    [inboxConsumer(host), hostMessages(host)],
    [receiptsConsumer(host), hostReceipts(host)],
  ];
  return {
    publish: {
      allow: [
        // What it says: messages to anyone, receipts and directory entries, all as itself.
        `iapeer.msg.*.*.${host}`,
        `iapeer.receipt.*.${host}`,
        `$KV.${DIRECTORY_BUCKET}.${host}.*`,
        // Setting up and reading the stream and the directory.
        `${api}.INFO`,
        `${api}.STREAM.INFO.${STREAM}`,
        `${api}.STREAM.CREATE.${STREAM}`,
        `${api}.STREAM.UPDATE.${STREAM}`,
        `${api}.STREAM.INFO.${KV_STREAM}`,
        `${api}.STREAM.CREATE.${KV_STREAM}`,
        `${api}.STREAM.MSG.GET.${KV_STREAM}`,
        `${api}.DIRECT.GET.${KV_STREAM}.>`,
        `${api}.CONSUMER.CREATE.${KV_STREAM}.>`,
        `${api}.CONSUMER.CREATE.${KV_STREAM}`,
        // Listing the directory reads it through a short-lived consumer of its own.
        `${api}.CONSUMER.INFO.${KV_STREAM}.*`,
        `${api}.CONSUMER.DELETE.${KV_STREAM}.*`,
        `$JS.FC.${KV_STREAM}.>`,
        // Its own consumers only: nobody else's inbox or receipts.
        ...own.flatMap(([c, filter]) => [
          `${api}.CONSUMER.INFO.${STREAM}.${c}`,
          `${api}.CONSUMER.CREATE.${STREAM}.${c}.${filter}`,
          // To put it right when it was changed in a way no update can undo.
          `${api}.CONSUMER.DELETE.${STREAM}.${c}`,
          `${api}.CONSUMER.MSG.NEXT.${STREAM}.${c}`,
          `$JS.ACK.${STREAM}.${c}.>`,
        ]),
      ],
    },
    subscribe: { allow: [`${inboxPrefix(host)}.>`] },
  };
}

interface MeshUser {
  host: string;
  password: string;
}

const quote = (s: string): string => JSON.stringify(s);

/**
 * A nats-server configuration block: one account with JetStream for the mesh, one user per host
 * with its permissions. Passwords are written as given (use `nats server passwd` to store a bcrypt
 * hash instead).
 */
export function accountsConfig(users: readonly MeshUser[]): string {
  const lines = users.map(({ host, password }) => {
    const p = hostPermissions(host);
    const list = (xs: string[]) => `[${xs.map(quote).join(", ")}]`;
    return `      { user: ${quote(host)}, password: ${quote(password)}, permissions: { publish: { allow: ${list(p.publish.allow)} }, subscribe: { allow: ${list(p.subscribe.allow)} } } }`;
  });
  return [
    "accounts {",
    "  IAPEER {",
    "    jetstream: enabled",
    "    users: [",
    ...lines,
    "    ]",
    "  }",
    "}",
    "",
  ].join("\n");
}
