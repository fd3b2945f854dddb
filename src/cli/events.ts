import { defineCommand } from "citty";
import { eventsSince } from "../store/journal";
import { requireHost } from "./context";
import { usageError } from "./exit-codes";

const SKIP = new Set(["id", "ts", "ev", "identity"]);

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
    since: { type: "string", description: "Only events after this id", default: "0" },
    json: { type: "boolean", description: "One JSON object per line", default: false },
  },
  async run({ args }) {
    let last = Number(args.since);
    if (!Number.isInteger(last) || last < 0)
      throw usageError("--since takes an event id (a whole number)");
    const host = requireHost();
    for (;;) {
      const batch = eventsSince(host.store, last);
      for (const e of batch) {
        last = e.id;
        if (args.json) {
          process.stdout.write(`${JSON.stringify(e)}\n`);
          continue;
        }
        const rest = Object.entries(e)
          .filter(([k]) => !SKIP.has(k))
          .map(
            ([k, v]) =>
              `${k}=${typeof v === "string" && /\s/.test(v) ? JSON.stringify(v) : String(v)}`,
          )
          .join(" ");
        process.stdout.write(
          `${e.ts}  ${e.ev.padEnd(14)} ${e.identity ?? ""}${rest ? `  ${rest}` : ""}\n`,
        );
      }
      if (batch.length > 0) continue;
      if (!args.follow) return;
      await Bun.sleep(250);
    }
  },
});
