import { buildEnvelope } from "../codec/envelope";
import { plainText } from "../codec/plain-text";
import { makeIdentity } from "../core/names";
import { type Host, nowOf } from "../home/host";
import { getAgentState, saveAgentState } from "../lifecycle/agent-states";
import { withPeerLock } from "../lifecycle/peer-lock";
import { getSession, touchActivity } from "../lifecycle/sessions";
import { isLive, wakeOrSpawn } from "../lifecycle/wake";
import { getPeer } from "../registry/registry";
import { adapterFor, deliveryMarkers, messageFormat } from "../runtimes/registry";
import { Tmux } from "../tmux/client";
import { awaitInputLine } from "./await-input";
import { holdFor, transcriptHas } from "./hold";
import { inboxStep } from "./inbox-step";
import { submitOwnLeftover } from "./leftover";
import { clearHeld, markHeld } from "./message-receipts";
import {
  finishMessage,
  getMessage,
  type Message,
  markDelivering,
  markTyped,
  markTyping,
  nextQueued,
  requeue,
} from "./messages";
import { recoverInFlight } from "./recover";
import { senderInfo } from "./sender";
import { DEFAULT_TYPE_IN, type TypeInOptions, typeIn } from "./type-in";

/** Attempts that never reached the screen before a message is given up as failed. */
const MAX_UNTYPED_ATTEMPTS = 3;

export type Step = "delivered-one" | "idle" | "blocked" | "retry" | "held";

/**
 * Deliver the oldest queued message of one recipient. Returns "idle" when there is none and
 * "retry" when the message went back to the queue untyped (its next attempt follows shortly), and
 * "blocked" when the queue must wait (a deferred message for a stopped peer, an always-on peer
 * whose service has not brought it up, another process delivering to it).
 */
export async function deliverNext(
  host: Host,
  recipient: string,
  typing: TypeInOptions = DEFAULT_TYPE_IN,
): Promise<Step> {
  const locked = await withPeerLock(host, `deliver-${recipient}`, 1000, () =>
    deliverOne(host, recipient, typing),
  );
  return locked.ok ? locked.value : "blocked";
}

async function deliverOne(host: Host, recipient: string, typing: TypeInOptions): Promise<Step> {
  // A bridge takes its messages from its inbox: nothing to type, and none is left mid-typing.
  const fromInbox = await inboxStep(host, recipient);
  if (fromInbox) return fromInbox;
  // Holding the lock, anything still `delivering` was left by a process that died.
  await recoverInFlight(host, recipient);
  const msg = nextQueued(host.store, recipient);
  if (!msg) return "idle";
  const started = Date.now();
  const done = (
    outcome: "delivered" | "unconfirmed" | "failed",
    extra: { woke?: boolean; error?: string } = {},
  ) => {
    host.store.write(() => finishMessage(host.store, msg.id, outcome, nowOf(host), extra));
    logAttempt(host, msg, outcome, extra.woke ?? false, Date.now() - started, extra.error);
    return "delivered-one" as const;
  };
  const peer = getPeer(host.store, recipient);
  if (!peer) return done("failed", { error: `no peer named ${recipient}` });
  if (peer.stopped)
    return msg.deferred ? "blocked" : done("failed", { error: `peer ${recipient} is stopped` });
  const runtime = msg.runtime ?? peer.profile.defaultRuntime;
  const id = makeIdentity(runtime, recipient);
  const adapter = adapterFor(runtime);
  if (!id.ok || !adapter.ok || !peer.profile.runtimes.includes(runtime)) {
    return done("failed", { error: `peer ${recipient} has no ${runtime} runtime` });
  }

  let woke = false;
  let session = getSession(host.store, id.value.identity);
  if (peer.profile.wake === "always-on") {
    // Its service manager holds it; iapeer only delivers once it is up.
    if (!isLive(session)) return "blocked";
  } else {
    const wake = await wakeOrSpawn(host, recipient, { runtime });
    if (!wake.ok)
      return wake.refusal === "busy" ? "blocked" : done("failed", { error: wake.error });
    woke = wake.woke;
    session = wake.session;
  }
  if (!session) return done("failed", { error: "no session" });
  // The agent's own record already has it (a session that died after taking it): never again.
  // A message back in the queue because its turn failed is in that record too, and goes again.
  const agent = getAgentState(host.store, id.value.identity);
  const recorded = (m: Message | undefined) =>
    m !== undefined &&
    (m.receivedAt !== undefined ||
      (m.turnFailures === 0 && transcriptHas(agent?.transcript, m.id)));
  if (recorded(msg)) return done("delivered", { woke });

  const settings = peer.profile.settings[runtime] ?? {};
  // A sender of another host is as its host said when it sent the message.
  const sender = (msg.senderRuntime !== undefined && msg.fromHost !== undefined
    ? {
        from: msg.sender,
        runtime: msg.senderRuntime,
        intelligence: msg.senderIntelligence ?? ("natural" as const),
      }
    : undefined) ??
    senderInfo(host.store, msg.sender) ?? {
      from: msg.sender,
      runtime: "cli",
      intelligence: "natural" as const,
    };
  const senderHost = msg.fromHost ?? host.config.host;
  // `text`: the body alone, for a program that does not read envelopes (a shell, a REPL).
  const text =
    messageFormat(settings) === "text"
      ? plainText(msg.body)
      : buildEnvelope({
          id: msg.id,
          ...sender,
          ...(senderHost !== undefined && { host: senderHost }),
          ts: msg.createdAt,
          body: msg.body,
          ...(msg.topic !== undefined && { topic: msg.topic }),
          ...(msg.attachments.length > 0 && { attachments: msg.attachments }),
        });
  if (!text.ok) return done("failed", { error: text.error, woke });

  const tmux = new Tmux(session.socket);
  if (adapter.value.kind === "tui") {
    const hold = await holdFor(host, recipient, id.value.identity, adapter.value, tmux);
    if (hold) return held(host, msg, hold, woke, Date.now() - started);
    if (msg.held) host.store.write(() => clearHeld(host.store, recipient));
  }
  host.store.write(() => markDelivering(host.store, msg.id, nowOf(host)));
  if (adapter.value.kind === "router") {
    // No screen to read: written to its input, but nothing can confirm it arrived.
    host.store.write(() => markTyping(host.store, msg.id, nowOf(host)));
    const wrote =
      (await tmux.loadBuffer(`iapeer-${msg.id}`, text.value)).ok &&
      (await tmux.pasteBuffer(`iapeer-${msg.id}`, id.value.identity)).ok;
    if (wrote) await tmux.sendKeys(id.value.identity, ["Enter"]);
    return done(wrote ? "unconfirmed" : "failed", {
      woke,
      error: wrote
        ? "a router runtime cannot confirm on screen"
        : "tmux could not write to its input",
    });
  }
  const markers = deliveryMarkers(adapter.value, settings);
  // The session may be up before its program is ready for input: wait for the input line
  // rather than spend the message's attempts while the program starts.
  const shown = await awaitInputLine(tmux, id.value.identity, markers, adapter.value.bootTimeoutMs);
  if (!shown.ok && !shown.gone) return done("failed", { woke, error: shown.error });
  const leftover = shown.ok
    ? await submitOwnLeftover(
        host,
        tmux,
        id.value.identity,
        recipient,
        markers,
        typing.confirmMs,
        shown.view,
        msg.id,
      )
    : [];
  // Its own text was still on the input line from an earlier attempt: now submitted.
  if (leftover.includes(msg.id)) return done("delivered", { woke });
  const typed = await typeIn(
    tmux,
    id.value.identity,
    `iapeer-${msg.id}`,
    text.value,
    markers,
    markers.singleEnter ? { ...typing, enterRetries: 0 } : typing,
    () => host.store.write(() => markTyped(host.store, msg.id, nowOf(host))),
    () => host.store.write(() => markTyping(host.store, msg.id, nowOf(host))),
  );
  if (typed.outcome === "delivered") {
    host.store.write(() => touchActivity(host.store, id.value.identity, nowOf(host)));
    // A turn starts now: a runtime that reports only its turns' ends is busy from here.
    if (adapter.value.busyInterrupts) markTurnStarted(host, id.value.identity);
    return done("delivered", { woke });
  }
  if (typed.outcome === "unconfirmed") return done("unconfirmed", { woke, error: typed.reason });
  if (typed.outcome === "held") {
    host.store.write(() => requeue(host.store, msg.id, nowOf(host), woke, true));
    return held(host, msg, typed.reason, woke, Date.now() - started);
  }
  // The session ended under it: its record may show it took the text after all.
  if (recorded(getMessage(host.store, msg.id))) return done("delivered", { woke });
  // Nothing reached the screen: it may go again, a bounded number of times.
  const attempts = getMessage(host.store, msg.id)?.attempts ?? MAX_UNTYPED_ATTEMPTS;
  if (attempts >= MAX_UNTYPED_ATTEMPTS) return done("failed", { woke, error: typed.reason });
  host.store.write(() => requeue(host.store, msg.id, nowOf(host), woke));
  logAttempt(host, msg, "queued", woke, Date.now() - started, typed.reason);
  return "retry";
}

function markTurnStarted(host: Host, identity: string): void {
  const before = getAgentState(host.store, identity);
  host.store.write(() =>
    saveAgentState(
      host.store,
      {
        identity,
        state: "busy",
        source: "screen",
        turn: before?.turn ?? [],
        ...(before?.queued && { queued: before.queued }),
        ...(before?.agentSession && { agentSession: before.agentSession }),
        ...(before?.transcript && { transcript: before.transcript }),
      },
      nowOf(host),
    ),
  );
}

/** It waits, with the reason its sender is told; said in delivery.log when the reason changes. */
function held(host: Host, msg: Message, reason: string, woke: boolean, ms: number): Step {
  host.store.write(() => markHeld(host.store, msg.recipient, reason));
  if (msg.held !== reason) logAttempt(host, msg, "held", woke, ms, reason);
  return "held";
}

/** delivery.log: one line per attempt, metadata only, never the body. */
function logAttempt(
  host: Host,
  msg: Message,
  outcome: string,
  woke: boolean,
  ms: number,
  error?: string,
): void {
  host.deliveries.write("delivery", {
    id: msg.id,
    from: msg.sender,
    to: msg.recipient,
    outcome,
    woke,
    ms,
    length: [...msg.body].length,
    attempt: (getMessage(host.store, msg.id)?.attempts ?? msg.attempts) || 1,
    ...(error && { error }),
  });
}
