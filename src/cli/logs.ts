import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { defineCommand } from "citty";
import { makeIdentity } from "../core/names";
import { peerLog } from "../core/paths";
import { getPeer } from "../registry/registry";
import { stripAnsi } from "../runtimes/screen";
import { requireHost } from "./context";
import { actionError, usageError } from "./exit-codes";
import { peerArg, peerName, runtimeArg } from "./peer-arg";

function readFrom(path: string, offset: number): { text: string; end: number } {
  const size = existsSync(path) ? statSync(path).size : 0;
  if (size <= offset) return { text: "", end: size };
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(size - offset);
    readSync(fd, buffer, 0, buffer.length, offset);
    return { text: buffer.toString("utf8"), end: size };
  } finally {
    closeSync(fd);
  }
}

/** Only the last `lines` lines, read from the end so a large log costs little. */
function tail(path: string, lines: number): { text: string; end: number } {
  const size = existsSync(path) ? statSync(path).size : 0;
  let start = Math.max(0, size - 64 * 1024);
  for (;;) {
    const { text } = readFrom(path, start);
    const all = text.split("\n");
    if (all.length > lines + 1 || start === 0)
      return { text: all.slice(-(lines + 1)).join("\n"), end: size };
    start = Math.max(0, start - 256 * 1024);
  }
}

export default defineCommand({
  meta: { name: "logs", description: "What a peer's session printed" },
  args: {
    peer: peerArg,
    runtime: runtimeArg,
    follow: {
      type: "boolean",
      alias: "f",
      description: "Keep printing as it grows",
      default: false,
    },
    lines: {
      type: "string",
      alias: "n",
      description: "How many lines from the end",
      default: "100",
    },
  },
  async run({ args }) {
    const name = peerName(args.peer);
    const lines = Number(args.lines);
    if (!Number.isInteger(lines) || lines < 0)
      throw usageError("--lines must be a whole number ≥ 0");
    const host = requireHost();
    const peer = getPeer(host.store, name);
    if (!peer) throw actionError(`no peer named ${name}; see \`iapeer list\``);
    const runtime = args.runtime ?? peer.profile.defaultRuntime;
    const id = makeIdentity(runtime, name);
    if (!id.ok || !peer.profile.runtimes.includes(runtime))
      throw actionError(`peer ${name} has no ${runtime} runtime`);
    const path = peerLog(host.layout, id.value.identity);
    // A terminal renders the session's own escapes; a pipe gets plain text.
    const show = (text: string) =>
      process.stdout.write(process.stdout.isTTY ? text : stripAnsi(text).replace(/\r/g, ""));
    let { text, end } = tail(path, lines);
    show(text);
    while (args.follow) {
      await Bun.sleep(250);
      if (existsSync(path) && statSync(path).size < end) end = 0; // truncated or replaced
      ({ text, end } = readFrom(path, end));
      if (text) show(text);
    }
  },
});
