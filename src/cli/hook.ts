import { defineCommand } from "citty";
import { loadConfig } from "../core/config";
import { layoutOf } from "../core/paths";
import { callDaemon } from "../daemon/client";
import { runningDaemon } from "../daemon/info";

/**
 * What an agent's hooks run (claude's hooks, codex's notify): hands the event to the daemon and
 * says nothing. It must never disturb the agent: no output (claude adds a hook's stdout to the
 * model's context), exit 0 whatever happens, and it never starts a daemon.
 */
export default defineCommand({
  meta: {
    name: "hook",
    description: "Hand an agent's hook event to the daemon (run by the agent, not by people)",
    hidden: true,
  },
  args: {
    runtime: { type: "positional", required: true, description: "claude or codex" },
    payload: {
      type: "positional",
      required: false,
      description: "the event as JSON (codex's notify); claude's comes on stdin",
    },
  },
  async run({ args }) {
    try {
      const identity = process.env.PEER_IDENTITY;
      if (!identity) return;
      const text = args.payload ?? (await Bun.stdin.text());
      const payload = JSON.parse(text) as unknown;
      const config = loadConfig();
      if (!config.ok) return;
      const daemon = runningDaemon(layoutOf(config.value));
      if (!daemon) return;
      await callDaemon(daemon, "POST", "/v1/signals", {
        identity,
        runtime: args.runtime,
        payload,
      });
    } catch {
      // Whatever went wrong, the agent carries on; the screen remains the fallback.
    }
  },
});
