import { defineCommand } from "citty";
import { layoutOf, tmuxSocket } from "../core/paths";
import type { PeerDetail } from "../daemon/peer-detail";
import { Tmux } from "../tmux/client";
import { askDaemon } from "./daemon-client";
import { actionError, usageError } from "./exit-codes";
import { act } from "./lifecycle-commands";
import { requireConfig } from "./need-config";
import { peerArg, peerName, runtimeArg } from "./peer-arg";
import { withSpinner } from "./spinner";

export default defineCommand({
  meta: {
    name: "attach",
    description: "Join a peer's live session (wakes it first); detaching leaves it running",
  },
  args: { peer: peerArg, runtime: runtimeArg },
  async run({ args }) {
    const name = peerName(args.peer);
    const config = requireConfig();
    // An unknown peer is said first: it is the mistake, whatever the terminal.
    const peer = await askDaemon<PeerDetail & { error?: string }>(
      "GET",
      `/v1/peers/${encodeURIComponent(name)}`,
    );
    if (peer.error) throw actionError(peer.error);
    if (!process.stdin.isTTY || !process.stdout.isTTY) throw usageError("attach needs a terminal");
    const runtime = args.runtime ?? peer.profile.defaultRuntime;
    // A live session (an always-on one too) is joined as it is; otherwise the daemon wakes it.
    const state = peer.runtimes.find((r) => r.runtime === runtime);
    if (state?.pid === undefined) {
      const woke = await withSpinner(`waking ${name}…`, () => act("wake", name, args.runtime));
      if (!woke.ok) throw actionError(woke.error);
    }
    const identity = `${runtime}-${name}`;
    // tmux takes the terminal over; its exit code is ours.
    process.exitCode = await new Tmux(tmuxSocket(layoutOf(config), identity)).attach(identity);
  },
});
