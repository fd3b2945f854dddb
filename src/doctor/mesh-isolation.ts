import type { NatsConnection } from "@nats-io/transport-node";
import { inboxConsumer, STREAM } from "../mesh/subjects";
import { type Check, ok, warn } from "./checks";

/**
 * Can this host's NATS user read other hosts' messages? Asked of the server itself: each probe is
 * a request the per-host permissions refuse, made harmless by naming another stream in its body
 * (a server that lets it through answers with an error and changes nothing). An answer means the
 * user may do it; a permissions violation, or no answer, that it may not.
 */

const PROBE = "iapeer-doctor-probe";
const PROBE_MS = 2_000;

/** What a user that may do it could do with it, by the subject probed. */
function probes(host: string): [string, string][] {
  const api = "$JS.API.CONSUMER";
  return [
    [
      `${api}.CREATE.${STREAM}.${inboxConsumer(host)}.iapeer.msg.${PROBE}.*.*`,
      "point its own inbox at another host's messages",
    ],
    [
      `${api}.DURABLE.CREATE.${STREAM}.${inboxConsumer(host)}`,
      "re-make its own inbox with any filter (a create that carries no filter)",
    ],
    [`${api}.CREATE.${STREAM}.${PROBE}.iapeer.msg.>`, "make a consumer of every host's messages"],
    [`${api}.CREATE.${STREAM}`, "make an unnamed consumer of any messages"],
  ];
}

async function answered(nc: NatsConnection, subject: string): Promise<boolean> {
  try {
    await nc.request(subject, JSON.stringify({ stream_name: PROBE }), { timeout: PROBE_MS });
    return true;
  } catch {
    return false;
  }
}

/** Whether the server lets this user listen on the shared `_INBOX.>`, where others' items go. */
async function sharedInboxOpen(nc: NatsConnection): Promise<boolean> {
  const sub = nc.subscribe(`_INBOX.${PROBE}`);
  let refused = false;
  void sub.closed.then(
    (e) => {
      if (e) refused = true;
    },
    () => {
      refused = true;
    },
  );
  await nc.flush().catch(() => {});
  // The server's refusal comes right after its answer to the flush's ping.
  for (let i = 0; i < 10 && !refused; i++) await Bun.sleep(50);
  if (!refused) sub.unsubscribe();
  return !refused;
}

export async function isolationCheck(nc: NatsConnection, host: string): Promise<Check> {
  const found = await Promise.all(
    probes(host).map(async ([subject, what]) => ((await answered(nc, subject)) ? what : undefined)),
  );
  const can = found.filter((w): w is string => w !== undefined);
  if (await sharedInboxOpen(nc))
    can.push("listen on _INBOX.>, where other hosts' pulled messages go");
  if (can.length === 0)
    return ok("isolation", `host ${host}'s NATS user can take only its own messages`);
  return warn(
    "isolation",
    `this host's NATS user can read other hosts' messages: it may ${can.join("; ")}`,
    "give each host its own NATS user with the permissions in README (Several hosts)",
  );
}
