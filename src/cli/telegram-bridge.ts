import { defineCommand } from "citty";
import { peerEnvironment } from "../core/config";
import { formatLine } from "../core/logfmt";
import { validatePersonality } from "../core/names";
import { usageError } from "./exit-codes";

export default defineCommand({
  meta: {
    name: "telegram-bridge",
    description:
      "The built-in telegram bridge (the telegram runtime runs it as the peer's session)",
  },
  args: {
    peer: {
      type: "string",
      description: "The bridge's peer (default: the session's own, PEER_PERSONALITY)",
    },
  },
  async run({ args }) {
    const name = args.peer ?? peerEnvironment().personality;
    if (!name) throw usageError("telegram-bridge runs as a telegram peer's session; give --peer");
    const peer = validatePersonality(name);
    if (!peer.ok) throw usageError(peer.error);
    const stop = new AbortController();
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const)
      process.on(signal, () => {
        stop.abort();
        process.exit(0);
      });
    // Loaded here only: no other command carries the bridge.
    const { runBridge } = await import("../telegram/bridge");
    const ended = await runBridge(peer.value, stop.signal, (ev, fields) =>
      process.stdout.write(`${formatLine(ev, fields)}\n`),
    );
    if (!ended.ok) {
      console.error(`iapeer telegram-bridge: ${ended.error}`);
      process.exit(1);
    }
  },
});
