import { defineCommand } from "citty";
import { callDaemon } from "../daemon/client";
import type { DaemonInfo } from "../daemon/info";
import type { Message } from "../transport/messages";
import { daemonFor } from "./daemon-client";
import { actionError, EXIT, usageError } from "./exit-codes";
import { printJson } from "./output";
import { jsonArg } from "./peer-arg";

/** The states a message does not leave on its own; the rest are on their way. */
const FINAL = new Set<Message["state"]>(["delivered", "unconfirmed", "failed"]);

/** The same codes as `send`: what became of it, or that it is still on its way. */
export function exitForState(state: Message["state"]): number {
  if (state === "delivered") return EXIT.ok;
  if (state === "unconfirmed") return EXIT.unconfirmed;
  if (state === "failed") return EXIT.failed;
  return EXIT.queued;
}

/** What changed a follower would care about: the trail, not the body. */
const trail = (m: Message): string =>
  JSON.stringify([m.state, m.attempts, m.woke, m.error, m.forwardedAt, m.receiptOutcome]);

/** One line per field that is set, in the order a message lives them. */
export function describe(m: Message): string {
  const fields: [string, string | number | boolean | undefined][] = [
    ["id", m.id],
    ["from", m.sender],
    ["to", m.toHost && !m.recipient.includes("@") ? `${m.recipient}@${m.toHost}` : m.recipient],
    ["runtime", m.runtime],
    ["topic", m.topic],
    ["state", m.deferred ? `${m.state} (deferred until the peer is started)` : m.state],
    ["attempts", m.attempts],
    ["woke", m.woke],
    ["error", m.error],
    ["created", m.createdAt],
    ["typing", m.typingAt],
    ["typed", m.typedAt],
    ["delivered", m.deliveredAt],
    ["forwarded", m.forwardedAt],
    ["receipt", m.receiptOutcome],
    ["expires", m.expiresAt],
    ["updated", m.updatedAt],
  ];
  return fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k.padEnd(10)} ${String(v)}`)
    .join("\n");
}

async function fetchMessage(daemon: DaemonInfo, id: string): Promise<Message> {
  const answer = await callDaemon<Message & { error?: string }>(
    daemon,
    "GET",
    `/v1/messages/${id}`,
  );
  if (!answer.ok) throw actionError(answer.error);
  if (answer.value.error !== undefined && answer.value.id === undefined)
    throw actionError(`no message ${id}; \`iapeer events --json\` lists the ids sent`);
  return answer.value;
}

/** Follow until the state is final, printing each change; polls with a growing pause. */
async function follow(
  daemon: DaemonInfo,
  first: Message,
  show: (m: Message) => void,
): Promise<Message> {
  let last = first;
  for (let pause = 100; !FINAL.has(last.state); pause = Math.min(pause * 2, 2000)) {
    await Bun.sleep(pause);
    const now = await fetchMessage(daemon, first.id);
    if (trail(now) !== trail(last)) {
      show(now);
      pause = 50;
    }
    last = now;
  }
  return last;
}

export default defineCommand({
  meta: {
    name: "message",
    description:
      "One message and its trail (state, attempts, errors, times); exits as send does (0, 10, 11, 1)",
  },
  args: {
    id: { type: "positional", required: true, description: "The message's id (m_…)" },
    follow: {
      type: "boolean",
      alias: "f",
      description: "Wait until its outcome is final, printing each change",
      default: false,
    },
    json: jsonArg,
  },
  async run({ args }) {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(args.id))
      throw usageError(`${JSON.stringify(args.id)} is not a message id (m_…)`);
    const daemon = await daemonFor();
    const first = await fetchMessage(daemon, args.id);
    // With --follow and --json, one JSON object a line (NDJSON), one per change.
    const show = (m: Message) => {
      if (args.json && args.follow) process.stdout.write(`${JSON.stringify(m)}\n`);
      else if (args.json) printJson(m);
      else process.stdout.write(`${describe(m)}\n`);
    };
    show(first);
    const last = args.follow
      ? await follow(daemon, first, (m) => {
          if (!args.json) process.stdout.write("\n");
          show(m);
        })
      : first;
    process.exitCode = exitForState(last.state);
  },
});
