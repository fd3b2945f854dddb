import { defineCommand } from "citty";
import { parseIdentity, validatePersonality } from "../core/names";
import { layoutOf } from "../core/paths";
import type { RecentDeath } from "../lifecycle/crash-guard";
import { describeExit, readExits } from "../tmux/exits";
import { askDaemon } from "./daemon-client";
import { actionError, usageError } from "./exit-codes";
import { consola } from "./log";
import { knownNames } from "./many";
import { requireConfig } from "./need-config";

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
    json: { type: "boolean", description: "Print JSON", default: false },
  },
  async run({ args }) {
    const config = requireConfig();
    const peer = args.peer;
    if (peer !== undefined && !validatePersonality(peer).ok && !parseIdentity(peer).ok) {
      throw usageError(`${JSON.stringify(peer)} is neither a peer name nor an identity`);
    }
    // exits.log holds what the exit hook saw; the daemon's records add the deaths it never
    // could (a boot that failed, a server that vanished). Asking starts the daemon, which also
    // records the deaths tmux missed before answering.
    const query = peer === undefined ? "" : `?peer=${encodeURIComponent(peer)}`;
    const recorded = await askDaemon<RecentDeath[]>("GET", `/v1/deaths${query}`);
    const hooked = readExits(layoutOf(config).exitsLog, config.logFiles).map((e) => ({
      ...e,
      class: e.signal === undefined ? "exited" : "signaled",
      cause: describeExit(e),
    }));
    const unhooked = recorded
      .filter((d) => d.class !== "exited" && d.class !== "signaled")
      .map((d) => ({ ...d, cause: d.class }));
    const exits = [...hooked, ...unhooked]
      .map((e) => {
        const id = parseIdentity(e.identity);
        return {
          ...e,
          personality: id.ok ? id.value.personality : "",
          runtime: id.ok ? id.value.runtime : "",
        };
      })
      .filter((e) => peer === undefined || e.identity === peer || e.personality === peer)
      .sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
    // A removed peer's deaths are still worth showing; a name never seen is a mistake.
    if (peer !== undefined && exits.length === 0) {
      const id = parseIdentity(peer);
      const names = knownNames();
      const known = names.includes(peer) || (id.ok && names.includes(id.value.personality));
      if (!known) throw actionError(`no peer named ${peer}; see \`iapeer list\``);
    }
    if (args.json) {
      console.log(JSON.stringify(exits, null, 2));
      return;
    }
    if (exits.length === 0) {
      consola.info(peer ? `no recorded session deaths for ${peer}` : "no recorded session deaths");
      return;
    }
    const width = Math.max(...exits.map((e) => e.identity.length));
    for (const e of exits) {
      const detail = "detail" in e && e.detail ? ` — ${e.detail}` : "";
      console.log(`${e.ts}  ${e.identity.padEnd(width)}  ${e.cause}${detail}`);
    }
  },
});
