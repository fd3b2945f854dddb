import { defineCommand } from "citty";
import { runEchoAgent } from "../agent/echo-agent";
import { replyTo } from "../agent/reply";
import { peerEnvironment } from "../core/config";
import { iapeerArgv } from "../core/self";
import { usageError } from "./exit-codes";

/** Replies go through `iapeer send` in the background, so the prompt never waits on them. */
function replier(self: string): (submitted: string) => void {
  return (submitted) => {
    const reply = replyTo(submitted, self);
    if (!reply) return;
    const proc = Bun.spawn(
      [
        ...iapeerArgv(),
        "send",
        reply.to,
        "--from",
        self,
        "--topic",
        reply.topic,
        "--message",
        reply.body,
      ],
      {
        stdio: ["ignore", "ignore", "ignore"],
      },
    );
    proc.unref();
  };
}

export default defineCommand({
  meta: {
    name: "echo-agent",
    description: "The built-in agent: a prompt that records what is typed or pasted into it",
  },
  args: {
    "boot-delay-ms": {
      type: "string",
      description: "Wait this long before showing the prompt",
      default: "0",
    },
    "boot-dialog": {
      type: "boolean",
      description: "Ask a trust question before the prompt",
      default: false,
    },
    reply: {
      type: "boolean",
      description: "Answer a peer's message through iapeer send (bounded)",
      default: false,
    },
  },
  run({ args }) {
    const delay = Number(args["boot-delay-ms"]);
    if (!Number.isInteger(delay) || delay < 0)
      throw usageError("--boot-delay-ms must be a whole number ≥ 0");
    if (!process.stdin.isTTY)
      throw usageError("echo-agent needs a terminal: it is meant to run in a tmux pane");
    const peer = peerEnvironment();
    process.stdin.setRawMode(true);
    process.stdin.setEncoding("utf8");
    runEchoAgent(
      {
        cwd: peer.cwd ?? process.cwd(),
        bootDelayMs: delay,
        bootDialog: args["boot-dialog"],
        ...(args.reply && peer.personality && { reply: replier(peer.personality) }),
      },
      {
        write: (text) => process.stdout.write(text),
        columns: () => process.stdout.columns ?? 80,
        onData: (handler) => process.stdin.on("data", (chunk: string) => handler(chunk)),
        exit: (code) => process.exit(code),
      },
    );
    // Keep the process alive on input; the agent exits on Ctrl-D / Ctrl-C.
    return new Promise<never>(() => {});
  },
});
