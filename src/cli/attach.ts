import { defineCommand } from "citty";
import { tmuxSocket } from "../core/paths";
import { getSession } from "../lifecycle/sessions";
import { isLive, wakeOrSpawn } from "../lifecycle/wake";
import { getPeer } from "../registry/registry";
import { Tmux } from "../tmux/client";
import { requireHost } from "./context";
import { actionError, usageError } from "./exit-codes";
import { act } from "./lifecycle-commands";
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
    if (!process.stdin.isTTY || !process.stdout.isTTY) throw usageError("attach needs a terminal");
    const host = requireHost();
    const peer = getPeer(host.store, name);
    if (!peer) throw actionError(`no peer named ${name}; see \`iapeer list\``);
    const identity = `${args.runtime ?? peer.profile.defaultRuntime}-${name}`;
    // A live session (an always-on one too) is joined as it is; otherwise it is woken first,
    // through the daemon when one runs.
    if (!isLive(getSession(host.store, identity))) {
      const woke = await withSpinner(`waking ${name}…`, () =>
        act("wake", name, args.runtime, (h) =>
          wakeOrSpawn(h, name, args.runtime ? { runtime: args.runtime } : {}),
        ),
      );
      if (!woke.ok) throw actionError(woke.error);
    }
    // tmux takes the terminal over; its exit code is ours.
    process.exitCode = await new Tmux(tmuxSocket(host.layout, identity)).attach(identity);
  },
});
