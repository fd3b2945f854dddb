import { defineCommand } from "citty";
import { callDaemon } from "../daemon/client";
import type { Host } from "../home/host";
import type { PeerRuntimeState } from "../lifecycle/state";
import { eventsSince, type StoredEvent } from "../store/journal";
import { getMessage } from "../transport/messages";
import type { SendResult } from "../transport/send";
import { requireHost } from "./context";
import { askDaemon, daemonFor } from "./daemon-client";
import { actionError, usageError } from "./exit-codes";
import { invokedAs } from "./invoked";
import { consola } from "./log";
import { askRegistry } from "./registry-client";

const PEERS = ["ping", "pong"] as const;

function bodyOf(host: Host, e: StoredEvent): string {
  return typeof e.message_id === "string" ? (getMessage(host.store, e.message_id)?.body ?? "") : "";
}

/** One line per event worth showing: the conversation, and what the lifecycle did for it. */
function describe(host: Host, e: StoredEvent): string | undefined {
  switch (e.ev) {
    case "delivery":
      return `  ${e.from} → ${e.to}: ${bodyOf(host, e)}  (${e.outcome}${e.woke ? ", woke it" : ""}, ${e.ms} ms)`;
    case "wake":
      return `  · waking ${e.identity} (${e.mode}, ${e.reason})`;
    case "launch":
      return `  · ${e.identity} ready in ${e.ready_ms} ms`;
    case "sleep":
    case "death":
    case "stop":
      return `  · ${e.ev} ${e.identity}${e.class ? ` (${e.class})` : ""}`;
    default:
      return undefined;
  }
}

export default defineCommand({
  meta: {
    name: "demo",
    description: "Two echo peers, ping and pong, talking through the daemon; watch it live",
  },
  args: { rounds: { type: "string", description: "Messages in the conversation", default: "6" } },
  async run({ args }) {
    const rounds = Number(args.rounds);
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100)
      throw usageError("--rounds takes a number from 1 to 100");
    // The daemon first: it makes the home's database; this process only reads its journal.
    const daemon = await daemonFor();
    consola.success(`daemon pid ${daemon.pid} on ${daemon.socket}`);
    const host = requireHost();
    // The daemon makes the two peers, as `create` would; the journal is only read here.
    const known = new Set(
      (await askDaemon<PeerRuntimeState[]>("GET", "/v1/peers")).map((p) => p.personality),
    );
    for (const name of PEERS) {
      if (known.has(name)) continue;
      const made = await askRegistry<{ cwd: string }>("/v1/registry/create", {
        name,
        runtime: "echo",
        description: `demo peer: answers the other one`,
        settings: { reply: true },
      });
      consola.success(`created ${name} in ${made.cwd}`);
    }
    const since = eventsSince(host.store, 0, 1_000_000).at(-1)?.id ?? 0;
    const first = await callDaemon<SendResult>(daemon, "POST", "/v1/send", {
      from: "ping",
      to: "pong",
      body: `round 1/${rounds}`,
      topic: "demo",
      wait: false,
    });
    if (!first.ok) throw actionError(first.error);
    if (first.value.badInput || !first.value.outcome.ok)
      throw actionError(first.value.outcome.error ?? "the first message was refused");
    consola.start(`ping → pong: round 1/${rounds}; the conversation, live:`);

    let last = since;
    let done = false;
    const deadline = Date.now() + 60_000 + rounds * 2000;
    while (!done && Date.now() < deadline) {
      for (const e of eventsSince(host.store, last)) {
        last = e.id;
        const line = describe(host, e);
        if (line) console.log(line);
        if (
          e.ev === "delivery" &&
          e.outcome === "delivered" &&
          bodyOf(host, e) === `round ${rounds}/${rounds}`
        )
          done = true;
      }
      await Bun.sleep(100);
    }
    if (!done)
      consola.warn("the conversation did not finish in time; `iapeer events` shows how far it got");
    else consola.success(`${rounds} rounds, all delivered and confirmed on screen`);
    // Named as it was run: `./dist/iapeer attach ping` works where a bare `iapeer` is not on PATH.
    const me = invokedAs();
    console.log(
      `\nping and pong are live: \`${me} attach ping\` to watch one (C-b d to leave), \`${me} logs pong\`, \`${me} events --follow\`, \`${me} list\`.`,
    );
  },
});
