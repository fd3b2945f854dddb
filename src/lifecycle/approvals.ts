import { makeIdentity } from "../core/names";
import { type Host, nowOf } from "../home/host";
import { getPeer } from "../registry/registry";
import type { Dialog } from "../runtimes/agent-signal";
import { movesTo } from "../runtimes/choose";
import { dialogOnScreen } from "../runtimes/dialog-screen";
import { adapterFor } from "../runtimes/registry";
import { stripAnsi } from "../runtimes/screen";
import { Tmux } from "../tmux/client";
import { getAgentState, listAgentStates, markIdleOnScreen, saveAgentState } from "./agent-states";
import { getSession, listSessions } from "./sessions";
import { isLive } from "./wake";

/**
 * Dialogs that wait for a person, and answering them: by the option's text, as the boot answers
 * its own dialogs, and only while the screen still shows that dialog. Only the local user gets
 * here (the CLI over the unix socket, the dashboard); a peer's token never does.
 */

/** How long a dialog the hooks announced may take to show on the screen. */
const DIALOG_DRAWN_MS = 3000;

export interface Approval {
  peer: string;
  runtime: string;
  identity: string;
  host?: string;
  question: string;
  options: string[];
  tool?: string;
  since: string;
  source: string;
}

/** The dialog a live session's screen shows now, if any. */
async function dialogShown(
  tmux: Tmux,
  identity: string,
  cursor: string,
): Promise<{ dialog: Dialog; plain: string } | undefined> {
  const screen = await tmux.capturePane(identity);
  if (!screen.ok) return undefined;
  const plain = stripAnsi(screen.stdout);
  const dialog = dialogOnScreen(plain, cursor);
  return dialog ? { dialog, plain } : undefined;
}

/**
 * Every session waiting for a person: what its hooks said, and what the screens of the other
 * live sessions show (a runtime without hooks, or a dialog its hooks did not report).
 */
export async function listApprovals(host: Host): Promise<Approval[]> {
  const states = new Map(listAgentStates(host.store).map((s) => [s.identity, s]));
  const sessions = listSessions(host.store, "live").flatMap((session) => {
    const adapter = adapterFor(session.runtime);
    return isLive(session) && adapter.ok && adapter.value.kind === "tui"
      ? [{ session, cursor: adapter.value.markers.prompt }]
      : [];
  });
  // Every screen is read at once: a fleet's list costs one round trip, not one per session.
  const screens = await Promise.all(
    sessions.map(({ session, cursor }) =>
      host.config.screenStates
        ? dialogShown(new Tmux(session.socket), session.identity, cursor)
        : undefined,
    ),
  );
  const out: Approval[] = [];
  for (const [i, { session }] of sessions.entries()) {
    const recorded = states.get(session.identity);
    const shown = screens[i];
    if (recorded?.state !== "asking" && !shown) continue;
    const dialog = {
      ...(recorded?.dialog ?? shown?.dialog ?? { question: "a dialog", options: [] }),
    };
    // The hook says what is asked; the screen, which options it offers.
    if (dialog.options.length === 0 && shown) dialog.options = shown.dialog.options;
    if (recorded?.state !== "asking" && shown) {
      host.store.write(() =>
        saveAgentState(
          host.store,
          {
            identity: session.identity,
            state: "asking",
            source: "screen",
            dialog: shown.dialog,
            turn: recorded?.turn ?? [],
            ...(recorded?.queued && { queued: recorded.queued }),
            ...(recorded?.agentSession && { agentSession: recorded.agentSession }),
            ...(recorded?.transcript && { transcript: recorded.transcript }),
          },
          nowOf(host),
        ),
      );
    }
    const state = getAgentState(host.store, session.identity);
    out.push({
      peer: session.personality,
      runtime: session.runtime,
      identity: session.identity,
      ...(host.config.host !== undefined && { host: host.config.host }),
      question: dialog.question,
      options: dialog.options,
      ...(dialog.tool && { tool: dialog.tool }),
      since: state?.since ?? nowOf(host).toISOString(),
      source: state?.source ?? "screen",
    });
  }
  return out;
}

type Answered = { ok: true; peer: string; option: string } | { ok: false; error: string };

/** The option a person named: its number, its whole text, the start of it, or a part of it. */
function pick(options: string[], named: string): number | undefined {
  const n = Number(named);
  if (Number.isInteger(n) && n >= 1 && n <= options.length) return n - 1;
  const want = named.trim().toLowerCase();
  const tests = [
    (o: string) => o.toLowerCase() === want,
    (o: string) => o.toLowerCase().startsWith(want),
    (o: string) => o.toLowerCase().includes(want),
  ];
  for (const test of tests) {
    const found = options.findIndex(test);
    if (found !== -1) return found;
  }
  return undefined;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Answer the dialog a peer's session shows: `approve` with an option (default: the one that
 * says Yes), `deny` with the one that says No (else Escape, which every dialog here takes as
 * cancel). Refused when the screen shows no dialog: nothing is pressed then.
 */
export async function answerDialog(
  host: Host,
  personality: string,
  how: { approve: true; option?: string } | { approve: false },
  runtime?: string,
): Promise<Answered> {
  const peer = getPeer(host.store, personality);
  if (!peer) return { ok: false, error: `no peer named ${personality}` };
  const id = makeIdentity(runtime ?? peer.profile.defaultRuntime, personality);
  if (!id.ok) return { ok: false, error: id.error };
  const session = getSession(host.store, id.value.identity);
  if (!isLive(session)) return { ok: false, error: `${personality} has no live session` };
  const adapter = adapterFor(session.runtime);
  if (!adapter.ok) return { ok: false, error: adapter.error };
  const cursor = adapter.value.markers.prompt;
  const tmux = new Tmux(session.socket);
  let shown = await dialogShown(tmux, session.identity, cursor);
  // The hook says a dialog is coming a moment before the screen shows it: wait for it a little.
  const announced = getAgentState(host.store, session.identity)?.state === "asking";
  for (const until = Date.now() + DIALOG_DRAWN_MS; !shown && announced && Date.now() < until; ) {
    await Bun.sleep(100);
    shown = await dialogShown(tmux, session.identity, cursor);
  }
  if (!shown)
    return {
      ok: false,
      error: `${personality} shows no dialog now; nothing was pressed (\`iapeer approvals\` lists those waiting)`,
    };
  const { options } = shown.dialog;
  const list = options.map((o, i) => `${i + 1}. ${o}`).join(" / ");
  let index: number | undefined;
  if (how.approve) {
    index =
      how.option !== undefined
        ? pick(options, how.option)
        : options.findIndex((o) => /^yes\b/i.test(o));
    if (index === undefined || index === -1)
      return {
        ok: false,
        error:
          how.option !== undefined
            ? `${personality}'s dialog has no option ${JSON.stringify(how.option)}; it offers ${list}`
            : `${personality}'s dialog has no Yes; name the option: ${list}`,
      };
  } else {
    const no = options.findIndex((o) => /^no\b/i.test(o));
    index = no === -1 ? undefined : no;
  }
  const chosen = index === undefined ? "Escape" : (options[index] as string);
  if (index === undefined) {
    await tmux.sendKeys(session.identity, ["Escape"]);
  } else {
    const label = new RegExp(`^(\\d+\\.\\s*)?${escapeRegExp(chosen)}`);
    // One arrow at a time, each seen on the screen before the next: a burst can lose arrows.
    let pressed = false;
    for (let look = 0; look < 20 && !pressed; look++) {
      const now = await tmux.capturePane(session.identity);
      if (!now.ok) return { ok: false, error: `${personality}'s session ended` };
      const moves = movesTo(stripAnsi(now.stdout), cursor, label);
      if (moves === undefined)
        return { ok: false, error: `${personality}'s dialog changed; nothing was pressed` };
      if (moves === 0) {
        await tmux.sendKeys(session.identity, ["Enter"]);
        pressed = true;
      } else {
        await tmux.sendKeys(session.identity, [moves > 0 ? "Down" : "Up"]);
        await Bun.sleep(300);
      }
    }
    if (!pressed) return { ok: false, error: `the cursor never reached "${chosen}"` };
  }
  // The dialog leaves the screen once taken.
  for (const until = Date.now() + 5000; Date.now() < until; await Bun.sleep(100)) {
    if (!(await dialogShown(tmux, session.identity, cursor))) break;
  }
  const before = getAgentState(host.store, session.identity);
  // An agent with signals of its own says what it does next; for one without, it is at its input.
  if (!adapter.value.signals) markIdleOnScreen(host, session.identity);
  else
    host.store.write(() => {
      saveAgentState(
        host.store,
        {
          identity: session.identity,
          state: "busy",
          source: "screen",
          turn: before?.turn ?? [],
          ...(before?.queued && { queued: before.queued }),
          ...(before?.agentSession && { agentSession: before.agentSession }),
          ...(before?.transcript && { transcript: before.transcript }),
        },
        nowOf(host),
      );
    });
  host.store.write(() => {
    host.events.write("dialog-answered", {
      peer: personality,
      identity: session.identity,
      question: shown.dialog.question,
      option: chosen,
    });
  });
  return { ok: true, peer: personality, option: chosen };
}
