import { makeIdentity } from "../core/names";
import { type Host, nowOf } from "../home/host";
import { getSession } from "../lifecycle/sessions";
import { isLive } from "../lifecycle/wake";
import { getPeer } from "../registry/registry";
import { adapterFor, deliveryMarkers } from "../runtimes/registry";
import { stripAnsi } from "../runtimes/screen";
import type { DeliveryMarkers } from "../runtimes/types";
import { Tmux } from "../tmux/client";
import { finishMessage, inFlight, type Message, requeue } from "./messages";
import { type InputView, landingMark, readInput, showsMark } from "./type-in";

interface RecoveryReport {
  requeued: string[];
  completed: string[];
  unconfirmed: string[];
}

const ENVELOPE_END = landingMark("</iapeer-message>");
/** How long the input box must stay the same before recovery reads it as settled. */
const SETTLE_MS = 300;
const SETTLE_CEILING_MS = 3000;

type Verdict = "requeue" | "delivered" | "unconfirmed";

/**
 * Messages a process that died left `delivering` have an unknown outcome. Call it holding the
 * recipient's delivery lock, so no live process is typing them. None is typed twice: each is
 * looked for by its id first.
 * - never got as far as its paste (`typingAt` unset): back to the queue;
 * - its text on the input line (its id, its end, or a paste placeholder that appeared in the
 *   paste's window): submitted with Enter, `delivered` once the line clears;
 * - its id already in the session's history: it was submitted, `delivered`;
 * - the paste began but nothing shows and Enter was never pressed (`typedAt` unset): the paste
 *   never landed, back to the queue;
 * - anything else: `unconfirmed`, never typed again.
 */
export async function recoverInFlight(host: Host, recipient: string): Promise<RecoveryReport> {
  const report: RecoveryReport = { requeued: [], completed: [], unconfirmed: [] };
  for (const msg of inFlight(host.store, recipient)) {
    const verdict = msg.typingAt || msg.typedAt ? await look(host, msg) : "requeue";
    if (verdict === "requeue") {
      host.store.write(() => requeue(host.store, msg.id, nowOf(host)));
      report.requeued.push(msg.id);
      continue;
    }
    host.store.write(() =>
      finishMessage(
        host.store,
        msg.id,
        verdict,
        nowOf(host),
        verdict === "delivered"
          ? {}
          : { error: "an iapeer process stopped while typing it; it is not typed again" },
      ),
    );
    (verdict === "delivered" ? report.completed : report.unconfirmed).push(msg.id);
  }
  if (report.requeued.length + report.completed.length + report.unconfirmed.length > 0) {
    host.events.write("recovered", {
      peer: recipient,
      requeued: report.requeued.length,
      completed: report.completed.length,
      unconfirmed: report.unconfirmed.length,
    });
  }
  return report;
}

/** Read the input box once it has stopped changing (a paste may still be drawing). */
async function settledInput(
  tmux: Tmux,
  identity: string,
  prompt: string,
): Promise<InputView | undefined | null> {
  let last = await readInput(tmux, identity, prompt);
  let since = Date.now();
  for (const until = Date.now() + SETTLE_CEILING_MS; Date.now() < until; ) {
    await Bun.sleep(50);
    const now = await readInput(tmux, identity, prompt);
    if (JSON.stringify(now) !== JSON.stringify(last)) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= SETTLE_MS) break;
  }
  return last;
}

async function look(host: Host, msg: Message): Promise<Verdict> {
  const peer = getPeer(host.store, msg.recipient);
  const runtime = msg.runtime ?? peer?.profile.defaultRuntime ?? "";
  const id = makeIdentity(runtime, msg.recipient);
  const adapter = adapterFor(runtime);
  const session = id.ok ? getSession(host.store, id.value.identity) : undefined;
  // Its session is gone: without an Enter from us it was never submitted.
  if (!id.ok || !adapter.ok || !isLive(session)) return msg.typedAt ? "unconfirmed" : "requeue";
  if (adapter.value.kind === "router") return "unconfirmed";
  const identity = id.value.identity;
  const markers = deliveryMarkers(adapter.value, peer?.profile.settings[runtime] ?? {});
  const tmux = new Tmux(session.socket);
  const view = await settledInput(tmux, identity, markers.prompt);
  if (view === null) return msg.typedAt ? "unconfirmed" : "requeue";
  const onInput =
    view !== undefined &&
    (view.area.includes(msg.id) ||
      showsMark(view, ENVELOPE_END) ||
      // A placeholder hides the text; only the paste's own window can have put one there.
      (!msg.typedAt && view.line !== "" && (markers.pastePlaceholder?.test(view.area) ?? false)));
  if (onInput) return (await submit(tmux, identity, markers, view)) ? "delivered" : "unconfirmed";
  if (await inHistory(tmux, identity, msg.id)) return "delivered";
  if (!msg.typedAt && (view === undefined || view.line === "")) return "requeue";
  return "unconfirmed";
}

/** Enter, then wait for the input line to no longer hold what it held. */
async function submit(
  tmux: Tmux,
  identity: string,
  markers: DeliveryMarkers,
  before: InputView,
): Promise<boolean> {
  await tmux.sendKeys(identity, ["Enter"]);
  for (const until = Date.now() + 5000; Date.now() < until; await Bun.sleep(50)) {
    const now = await readInput(tmux, identity, markers.prompt);
    if (now === null) return false;
    if (now !== undefined && now.line !== before.line) return true;
  }
  return false;
}

/** Whether the session's scrollback shows the message's id: it was submitted. */
async function inHistory(tmux: Tmux, identity: string, messageId: string): Promise<boolean> {
  const all = await tmux.capturePane(identity, { history: 100_000 });
  return all.ok && stripAnsi(all.stdout).includes(messageId);
}
