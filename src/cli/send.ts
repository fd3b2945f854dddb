import { existsSync, readFileSync } from "node:fs";
import { defineCommand } from "citty";
import { HUMAN_SENDER } from "../core/names";
import { callDaemon } from "../daemon/client";
import type { SendResult } from "../transport/send";
import type { SendOutcome, SendRequest } from "../transport/types";
import { daemonFor } from "./daemon-client";
import { CliExit, EXIT, usageError } from "./exit-codes";
import { consola } from "./log";
import { printJson } from "./output";
import { awaitStep, waitStep, waitTimeoutMs } from "./send-steps";
import { withSpinner } from "./spinner";

const EXIT_BY_OUTCOME: Record<SendOutcome["outcome"], number> = {
  delivered: EXIT.ok,
  queued: EXIT.queued,
  unconfirmed: EXIT.unconfirmed,
  failed: EXIT.failed,
};

async function readBody(args: {
  message?: string;
  "message-file"?: string;
  stdin?: string;
}): Promise<string> {
  const sources = [
    args.message !== undefined,
    args["message-file"] !== undefined,
    args.stdin === "-",
  ].filter(Boolean).length;
  if (sources !== 1)
    throw usageError(
      "give the message exactly one way: --message TEXT, --message-file FILE or - (standard input)",
    );
  if (args.message !== undefined) return args.message;
  const file = args["message-file"];
  if (file !== undefined) {
    if (!existsSync(file)) throw usageError(`--message-file ${file} does not exist`);
    return readFileSync(file, "utf8");
  }
  return Bun.stdin.text();
}

export default defineCommand({
  meta: {
    name: "send",
    description:
      "Send a message to a peer: stored first, then typed into its session and confirmed",
  },
  args: {
    peer: { type: "positional", required: true, description: "The recipient" },
    stdin: {
      type: "positional",
      required: false,
      description: "- to read the message from standard input",
    },
    message: { type: "string", alias: "m", description: "The message" },
    "message-file": { type: "string", description: "Read the message from this file" },
    from: {
      type: "string",
      description: `Sender: a peer's name (default ${HUMAN_SENDER}, a person at the CLI)`,
    },
    topic: { type: "string", description: "A topic line (≤ 200 characters)" },
    runtime: {
      type: "string",
      description: "Deliver to this runtime of the peer (default: its default runtime)",
    },
    key: {
      type: "string",
      description: "Your own id for this message: a retried send with the same key is stored once",
    },
    defer: {
      type: "boolean",
      description: "For a stopped peer: keep the message until it is started",
      default: false,
    },
    wait: {
      type: "string",
      description:
        "Wait until the message is delivered (the default), received (the agent's record has it) or answered (its turn ended: the reply is printed)",
      negativeDescription: "Return once the message is stored",
      default: "delivered",
    },
    timeout: {
      type: "string",
      description: "With --wait received|answered: the longest wait, in seconds (default 600)",
    },
    json: { type: "boolean", description: "Print JSON", default: false },
  },
  async run({ args }) {
    const step = waitStep(args.wait as string | boolean);
    const timeoutMs = waitTimeoutMs(args.timeout);
    const body = await readBody(args);
    const req: SendRequest = {
      from: args.from ?? HUMAN_SENDER,
      to: args.peer,
      body,
      ...(args.topic !== undefined && { topic: args.topic }),
      ...(args.runtime !== undefined && { runtime: args.runtime }),
      ...(args.defer && { defer: true }),
      ...(args.key !== undefined && { key: args.key }),
    };
    const failed = (error: string): SendResult => ({
      outcome: { ok: false, outcome: "failed", woke: false, error },
      badInput: false,
    });
    const work = async (): Promise<SendResult> => {
      // A daemon that cannot start is this send's failure, in send's own shape.
      let daemon: Awaited<ReturnType<typeof daemonFor>>;
      try {
        daemon = await daemonFor();
      } catch (error) {
        if (error instanceof CliExit && error.code === EXIT.failed) return failed(error.message);
        throw error;
      }
      const answer = await callDaemon<SendResult>(daemon, "POST", "/v1/send", {
        ...req,
        wait: step !== false,
      });
      if (!answer.ok) return failed(answer.error);
      return answer.value;
    };
    const sent =
      args.json || step === false
        ? await work()
        : await withSpinner(`sending to ${args.peer}…`, work);
    const result =
      (step === "received" || step === "answered") && sent.outcome.id && sent.outcome.ok
        ? await awaitStep(sent, step, timeoutMs, args.json, args.peer)
        : sent;
    const o = result.outcome;
    const code = result.badInput ? EXIT.usage : EXIT_BY_OUTCOME[o.outcome];
    // One shape for every outcome: `id` is null when the message was refused before it was stored.
    if (args.json) printJson({ ...o, id: o.id ?? null, ...(!o.ok && { code }) });
    else if (step === "answered" && o.answered) process.stdout.write(`${o.reply ?? ""}\n`);
    else if (step === "received" && o.received) consola.success(`${args.peer} received ${o.id}`);
    else if ((step === "received" || step === "answered") && o.outcome === "delivered")
      consola.info(`delivered ${o.id}; not yet ${step} after ${timeoutMs / 1000} s`);
    else if (o.outcome === "delivered")
      consola.success(`delivered ${o.id} to ${args.peer}${o.woke ? " (woke it)" : ""}`);
    else if (o.outcome === "queued")
      consola.info(`queued ${o.id}${o.reason ? `: ${o.reason}` : o.error ? `: ${o.error}` : ""}`);
    else if (o.outcome === "unconfirmed")
      consola.warn(
        `typed ${o.id} into ${args.peer}, but could not confirm it landed: ${o.error ?? ""}`,
      );
    else if (!args.json) process.stderr.write(`iapeer: ${o.error ?? "failed"}\n`);
    process.exitCode =
      (step === "received" && o.outcome === "delivered" && !o.received) ||
      (step === "answered" && o.outcome === "delivered" && !o.answered)
        ? EXIT.queued
        : code;
  },
});
