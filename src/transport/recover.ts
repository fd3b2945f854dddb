import { readFileSync } from "node:fs";
import { makeIdentity } from "../core/names";
import { peerLog } from "../core/paths";
import { type Host, nowOf } from "../lifecycle/context";
import { getSession } from "../lifecycle/sessions";
import { isLive } from "../lifecycle/wake";
import { getPeer } from "../registry/registry";
import { adapterFor } from "../runtimes/registry";
import { inputLine, stripAnsi } from "../runtimes/screen";
import { Tmux } from "../tmux/client";
import { finishMessage, inFlight, requeue } from "./messages";
import { landingMark } from "./type-in";

export interface RecoveryReport {
  requeued: string[];
  completed: string[];
  unconfirmed: string[];
}

/**
 * Messages a process that died left `delivering` have an unknown outcome. Call it holding the
 * recipient's delivery lock, so no live process is typing them. None is typed again
 * blindly: if the text still sits on the input line it is submitted with Enter; if it reached
 * the screen otherwise (its id is in what the session printed) it is `unconfirmed`; only a
 * message that never reached the screen goes back to the queue.
 */
export async function recoverInFlight(host: Host, recipient: string): Promise<RecoveryReport> {
  const report: RecoveryReport = { requeued: [], completed: [], unconfirmed: [] };
  for (const msg of inFlight(host.store, recipient)) {
    const peer = getPeer(host.store, msg.recipient);
    const runtime = msg.runtime ?? peer?.profile.defaultRuntime ?? "";
    const id = makeIdentity(runtime, msg.recipient);
    const adapter = adapterFor(runtime);
    const identity = id.ok ? id.value.identity : "";
    let printed = "";
    try {
      printed = readFileSync(peerLog(host.layout, identity), "utf8");
    } catch {
      // no pane log: nothing reached a screen
    }
    const session = getSession(host.store, identity);
    if (adapter.ok && isLive(session)) {
      const tmux = new Tmux(session.socket);
      const screen = tmux.capturePane(identity);
      const input = screen.ok
        ? inputLine(stripAnsi(screen.stdout), adapter.value.markers.prompt)
        : undefined;
      if (
        input &&
        (input.includes(landingMark("</iapeer-message>")) ||
          adapter.value.markers.pastePlaceholder?.test(input))
      ) {
        tmux.sendKeys(identity, ["Enter"]);
        await Bun.sleep(adapter.value.markers.settleMs + 200);
        const after = tmux.capturePane(identity);
        const cleared =
          after.ok && !inputLine(stripAnsi(after.stdout), adapter.value.markers.prompt);
        host.store.write(() =>
          finishMessage(
            host.store,
            msg.id,
            cleared ? "delivered" : "unconfirmed",
            nowOf(host),
            cleared ? {} : { error: "recovered after a restart; Enter did not clear the input" },
          ),
        );
        (cleared ? report.completed : report.unconfirmed).push(msg.id);
        continue;
      }
    }
    if (printed.includes(msg.id)) {
      host.store.write(() =>
        finishMessage(host.store, msg.id, "unconfirmed", nowOf(host), {
          error:
            "the daemon stopped while typing it; it reached the screen, so it is not typed again",
        }),
      );
      report.unconfirmed.push(msg.id);
    } else {
      host.store.write(() => requeue(host.store, msg.id, nowOf(host)));
      report.requeued.push(msg.id);
    }
  }
  if (report.requeued.length + report.completed.length + report.unconfirmed.length > 0) {
    host.events.write("recovered", {
      requeued: report.requeued.length,
      completed: report.completed.length,
      unconfirmed: report.unconfirmed.length,
    });
  }
  return report;
}
