import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { PeerAddress } from "../core/address";
import { fail, ok, type Result } from "../core/result";
import { messageSubject, STREAM } from "./subjects";

export interface PublishAck {
  /** The stream's sequence number of the stored copy. */
  readonly seq: number;
  /** The stream already held this id: this publish stored nothing. */
  readonly duplicate: boolean;
}

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Store a message in the mesh's stream for `to` and wait for the stream's ack. The message id is
 * the Nats-Msg-Id, so a republish after a crash (same id) is absorbed by the stream's duplicate
 * window; only the ack makes it forwarded.
 */
export async function publishMessage(
  nc: NatsConnection,
  /** This host: the sender. */
  from: string,
  to: Required<PeerAddress>,
  id: string,
  payload: Uint8Array | string,
  timeoutMs = 5_000,
): Promise<Result<PublishAck>> {
  try {
    const ack = await jetstream(nc).publish(
      messageSubject(to.host, to.personality, from),
      payload,
      {
        msgID: id,
        expect: { streamName: STREAM },
        timeout: timeoutMs,
      },
    );
    return ok({ seq: ack.seq, duplicate: ack.duplicate });
  } catch (e) {
    return fail(`cannot publish message ${id} to ${to.personality}@${to.host}: ${reason(e)}`);
  }
}
