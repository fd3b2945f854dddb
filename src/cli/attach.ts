import { defineCommand } from "citty";
import { wakeOrSpawn } from "../lifecycle/wake";
import { Tmux } from "../tmux/client";
import { requireHost } from "./context";
import { actionError, usageError } from "./exit-codes";
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
    const r = await withSpinner(`waking ${name}…`, () =>
      wakeOrSpawn(host, name, args.runtime ? { runtime: args.runtime } : {}),
    );
    if (!r.ok) throw actionError(r.error);
    // tmux takes the terminal over; its exit code is ours.
    process.exitCode = await new Tmux(r.session.socket).attach(r.session.identity);
  },
});
