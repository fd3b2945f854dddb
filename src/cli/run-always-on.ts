import { defineCommand } from "citty";
import { runAlwaysOn } from "../service/always-on";
import { requireHost } from "./context";
import { actionError } from "./exit-codes";

export default defineCommand({
  meta: {
    name: "run-always-on",
    description: "What launchd/systemd run for an always-on peer: its session, watched",
  },
  args: {
    identity: { type: "positional", required: true, description: "<runtime>-<personality>" },
  },
  async run({ args }) {
    const host = requireHost();
    const stop = new AbortController();
    process.once("SIGTERM", () => stop.abort());
    process.once("SIGINT", () => stop.abort());
    const r = await runAlwaysOn(host, args.identity, stop.signal);
    if (!r.ok) throw actionError(r.error);
    process.stderr.write(`iapeer run-always-on: ${r.value.message}\n`);
    process.exitCode = r.value.code;
  },
});
