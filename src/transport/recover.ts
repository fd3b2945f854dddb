import { makeIdentity } from "../core/names";
import { type Host, nowOf } from "../lifecycle/context";
import { getSession } from "../lifecycle/sessions";
import { isLive } from "../lifecycle/wake";
import { getPeer } from "../registry/registry";
import { adapterFor, deliveryMarkers } from "../runtimes/registry";
import { Tmux } from "../tmux/client";
import { finishMessage, inFlight, requeue } from "./messages";
import { landingMark, readInput, showsMark } from "./type-in";

export interface RecoveryReport {
  requeued: string[];
  completed: string[];
  unconfirmed: string[];
}

const MARK = landingMark("</iapeer-message>");

/**
 * Messages a process that died left `delivering` have an unknown outcome. Call it holding the
 * recipient's delivery lock, so no live process is typing them. None is typed again blindly:
 * one never pasted goes back to the queue; one pasted whose text still sits on the input line is
 * submitted with Enter (delivered once the line clears); any other is `unconfirmed`.
 */
export async function recoverInFlight(host: Host, recipient: string): Promise<RecoveryReport> {
  const report: RecoveryReport = { requeued: [], completed: [], unconfirmed: [] };
  for (const msg of inFlight(host.store, recipient)) {
    if (!msg.typedAt) {
      host.store.write(() => requeue(host.store, msg.id, nowOf(host)));
      report.requeued.push(msg.id);
      continue;
    }
    const peer = getPeer(host.store, msg.recipient);
    const runtime = msg.runtime ?? peer?.profile.defaultRuntime ?? "";
    const id = makeIdentity(runtime, msg.recipient);
    const adapter = adapterFor(runtime);
    const session = id.ok ? getSession(host.store, id.value.identity) : undefined;
    let outcome: "delivered" | "unconfirmed" = "unconfirmed";
    if (id.ok && adapter.ok && isLive(session)) {
      const markers = deliveryMarkers(adapter.value, peer?.profile.settings[runtime] ?? {});
      const tmux = new Tmux(session.socket);
      const read = () => readInput(tmux, id.value.identity, markers.prompt);
      // Only our own text (its closing tag), never a placeholder that might be a person's paste.
      if (showsMark(read(), MARK)) {
        tmux.sendKeys(id.value.identity, ["Enter"]);
        await Bun.sleep(markers.settleMs + 300);
        const after = read();
        if (after && !showsMark(after, MARK)) outcome = "delivered";
      }
    }
    host.store.write(() =>
      finishMessage(
        host.store,
        msg.id,
        outcome,
        nowOf(host),
        outcome === "delivered"
          ? {}
          : { error: "an iapeer process stopped while typing it; it is not typed again" },
      ),
    );
    (outcome === "delivered" ? report.completed : report.unconfirmed).push(msg.id);
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
