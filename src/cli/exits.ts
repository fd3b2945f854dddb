import { defineCommand } from "citty";
import { parseIdentity, validatePersonality } from "../core/names";
import { actionError, usageError } from "./exit-codes";
import { type ExitRecord, exitKey, exitLine, exitRecords } from "./exit-records";
import { consola } from "./log";
import { knownNames } from "./many";
import { requireConfig } from "./need-config";
import { parseSince, sinceForms } from "./since";

/** How often `--follow` looks again: a death shows within this of being recorded. */
const FOLLOW_MS = 500;

export default defineCommand({
  meta: {
    name: "exits",
    description: "Session deaths with their cause (exit status or signal), newest last",
  },
  args: {
    peer: {
      type: "positional",
      required: false,
      description: "Only this peer (personality or identity)",
    },
    since: {
      type: "string",
      description: "Only deaths since then: 10m, 2h, 1d or an ISO time",
    },
    follow: {
      type: "boolean",
      alias: "f",
      description: "Keep printing deaths as they are recorded, until Ctrl-C",
      default: false,
    },
    json: {
      type: "boolean",
      description: "Print JSON (one object per line with --follow)",
      default: false,
    },
  },
  async run({ args }) {
    const config = requireConfig();
    const peer = args.peer;
    if (peer !== undefined && !validatePersonality(peer).ok && !parseIdentity(peer).ok) {
      throw usageError(`${JSON.stringify(peer)} is neither a peer name nor an identity`);
    }
    let since: Date | undefined;
    if (args.since !== undefined) {
      const parsed = parseSince(args.since, false);
      if (!parsed.ok || parsed.value.kind !== "time") throw usageError(sinceForms(false));
      since = parsed.value.at;
    }
    const read = async () =>
      (await exitRecords(config, peer)).filter((e) => !since || Date.parse(e.ts) >= +since);
    const exits = await read();
    // A removed peer's deaths are still worth showing; a name never seen is a mistake.
    if (peer !== undefined && exits.length === 0) {
      const id = parseIdentity(peer);
      const names = knownNames();
      const known = names.includes(peer) || (id.ok && names.includes(id.value.personality));
      if (!known) throw actionError(`no peer named ${peer}; see \`iapeer list\``);
    }
    if (args.json && !args.follow) {
      console.log(JSON.stringify(exits, null, 2));
      return;
    }
    let width = Math.max(0, ...exits.map((e) => e.identity.length));
    const print = (e: ExitRecord) => {
      width = Math.max(width, e.identity.length);
      process.stdout.write(`${args.json ? JSON.stringify(e) : exitLine(e, width)}\n`);
    };
    if (exits.length === 0 && !args.json) {
      const which = peer ? ` for ${peer}` : "";
      consola.info(`no recorded session deaths${which}${since ? " since then" : ""}`);
    }
    for (const e of exits) print(e);
    if (!args.follow) return;

    // Following ends with Ctrl-C or a stop, as `tail -f` is ended: that is its normal end.
    for (const signal of ["SIGINT", "SIGTERM"] as const)
      process.once(signal, () => process.exit(0));
    // Records are only ever added, but two deaths can look alike (exits.log keeps whole
    // seconds): each look prints those beyond how many of their kind were printed already.
    const printed = new Map<string, number>();
    const count = (e: ExitRecord) => printed.set(exitKey(e), (printed.get(exitKey(e)) ?? 0) + 1);
    for (const e of exits) count(e);
    for (;;) {
      await Bun.sleep(FOLLOW_MS);
      const now = new Map<string, number>();
      for (const e of await read()) {
        const key = exitKey(e);
        now.set(key, (now.get(key) ?? 0) + 1);
        if ((now.get(key) as number) <= (printed.get(key) ?? 0)) continue;
        count(e);
        print(e);
      }
    }
  },
});
