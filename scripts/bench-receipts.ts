/**
 * Receipts and dialogs of a real agent, for scripts/bench-agents.ts: send → `received` and
 * send → `answered` (from the message's own recorded times, so the polling does not count), and
 * from a question dialog appearing (the model server answering with the AskUserQuestion call)
 * to `GET /v1/approvals` listing it.
 */
import { readFileSync } from "node:fs";
import type { AgentHost } from "../test/helpers/agents";

const SAMPLES = 5;
const DIALOGS = 3;
const WAIT_MS = 60_000;

async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string) {
  for (const end = Date.now() + WAIT_MS; Date.now() < end; await Bun.sleep(20)) {
    const v = await check();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The daemon's API over its unix socket, with no CLI process in between. */
function api(h: AgentHost) {
  const info = JSON.parse(readFileSync(h.sb.layout.daemonInfo, "utf8")) as {
    socket: string;
  };
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`http://localhost${path}`, {
      method,
      unix: info.socket,
      ...(body !== undefined && {
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      }),
    });
    return (await res.json()) as T;
  };
}

interface Shown {
  createdAt: string;
  receivedAt?: string;
  answeredAt?: string;
}

export async function receipts(h: AgentHost, peer: string) {
  const call = api(h);
  const received: number[] = [];
  const answered: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const sent = await call<{ outcome: { id: string } }>("POST", "/v1/send", {
      to: peer,
      body: `receipt sample ${i}`,
      wait: false,
    });
    const id = sent.outcome.id;
    const m = await until(async () => {
      const shown = await call<Shown>("GET", `/v1/messages/${id}`);
      return shown.answeredAt ? shown : undefined;
    }, `message ${id} to be answered`);
    const at = (iso?: string) => Date.parse(iso ?? "") - Date.parse(m.createdAt);
    if (m.receivedAt) received.push(at(m.receivedAt));
    answered.push(at(m.answeredAt));
  }
  return { send_to_received_ms: received, send_to_answered_ms: answered };
}

export async function dialogToApprovals(h: AgentHost, peer: string) {
  const call = api(h);
  const samples: number[] = [];
  for (let i = 0; i < DIALOGS; i++) {
    const word = `ASKQ${i}`;
    h.server.onTrigger(
      word,
      {
        name: "AskUserQuestion",
        args: {
          questions: [
            {
              question: `Go on with sample ${i}?`,
              header: "Go on",
              multiSelect: false,
              options: [
                { label: "Yes", description: "go on" },
                { label: "No", description: "stop" },
              ],
            },
          ],
        },
      },
      { times: 1 },
    );
    await call("POST", "/v1/send", { to: peer, body: `please ${word}`, wait: false });
    const asked = await until(
      () => h.server.toolCalls.find((c) => c.trigger === word),
      `the ${word} tool call`,
    );
    const shownAt = await until(async () => {
      const list = await call<{ peer: string }[]>("GET", "/v1/approvals");
      return list.some((a) => a.peer === peer) ? Date.now() : undefined;
    }, "approvals to list the dialog");
    const answeredBy = h.server.requests[asked.requestIndex]?.time ?? shownAt;
    samples.push(shownAt - answeredBy);
    await call("POST", `/v1/peers/${peer}/deny`, {});
    await until(async () => {
      const list = await call<{ peer: string }[]>("GET", "/v1/approvals");
      return list.length === 0 ? true : undefined;
    }, "the dialog to be answered");
    await Bun.sleep(1000);
  }
  return { dialog_to_approvals_ms: samples };
}
