import { defineCommand } from "citty";
import { parseIdentity } from "../core/names";
import { eventsSince, type StoredEvent } from "../store/journal";
import { requireHost } from "./context";
import { usageError } from "./exit-codes";
import { peerOption, peersNamed } from "./peer-filter";
import { parseSince, sinceForms } from "./since";

const SKIP = new Set(["id", "ts", "ev", "identity"]);

/** The peers an event is about: its session's, and any it names as peer, sender or recipient. */
function peersOf(e: StoredEvent): string[] {
  const named = [e.peer, e.from, e.to].filter((v): v is string => typeof v === "string");
  const session = e.identity ? parseIdentity(e.identity) : undefined;
  return session?.ok ? [session.value.personality, ...named] : named;
}

function line(e: StoredEvent): string {
  const rest = Object.entries(e)
    .filter(([k]) => !SKIP.has(k))
    .map(
      ([k, v]) => `${k}=${typeof v === "string" && /\s/.test(v) ? JSON.stringify(v) : String(v)}`,
    )
    .join(" ");
  // The id first: it is what `--since ID` takes to carry on from here.
  return `${String(e.id).padEnd(6)} ${e.ts}  ${e.ev.padEnd(14)} ${e.identity ?? ""}${rest ? `  ${rest}` : ""}\n`;
}

export default defineCommand({
  meta: {
    name: "events",
    description: "Lifecycle and delivery events, oldest first (NDJSON with --json)",
  },
  args: {
    follow: {
      type: "boolean",
      alias: "f",
      description: "Keep printing new events",
      default: false,
    },
    since: {
      type: "string",
      description: "Only events since then: 10m, 2h, 1d, an ISO time, or after this event id",
    },
    peer: peerOption,
    json: { type: "boolean", description: "One JSON object per line", default: false },
  },
  async run(context) {
    const { args } = context;
    let last = 0;
    let notBefore: Date | undefined;
    if (args.since !== undefined) {
      const since = parseSince(args.since, true);
      if (!since.ok) throw usageError(sinceForms(true));
      if (since.value.kind === "id") last = since.value.id;
      else notBefore = since.value.at;
    }
    const host = requireHost();
    const named = await peersNamed(context, () => host.store);
    const wanted = named && new Set(named.map((p) => p.personality));
    for (;;) {
      const batch = eventsSince(host.store, last, 1000, notBefore);
      for (const e of batch) {
        last = e.id;
        if (wanted && !peersOf(e).some((p) => wanted.has(p))) continue;
        process.stdout.write(args.json ? `${JSON.stringify(e)}\n` : line(e));
      }
      if (batch.length > 0) continue;
      if (!args.follow) return;
      await Bun.sleep(250);
    }
  },
});
