import { existsSync, statSync } from "node:fs";
import { defineCommand } from "citty";
import { colorWanted } from "../core/config";
import { makeIdentity } from "../core/names";
import { peerLog } from "../core/paths";
import { getPeer, listPeers, type PeerRecord } from "../registry/registry";
import { requireHost } from "./context";
import { actionError, usageError } from "./exit-codes";
import { consola } from "./log";
import type { LogStyle } from "./log-format";
import { readFrom, tail, writtenAt } from "./log-read";
import { type LogSource, showMerged } from "./merged-logs";
import { peerName, runtimeArg } from "./peer-arg";
import { peerOption, peersNamed } from "./peer-filter";
import { parseSince, sinceForms } from "./since";
import { renderLine } from "./terminal-line";

/** The pane log of one of the peer's runtimes; refused when it has no such runtime. */
function logOf(host: ReturnType<typeof requireHost>, peer: PeerRecord, runtime: string): string {
  const id = makeIdentity(runtime, peer.personality);
  if (!id.ok || !peer.profile.runtimes.includes(runtime))
    throw actionError(`peer ${peer.personality} has no ${runtime} runtime`);
  return peerLog(host.layout, id.value.identity);
}

/**
 * Every log a peer's runtimes wrote (only `runtime`'s when given; a peer without it is left
 * out). The prefix is the peer's name, or its identity when it has several runtimes.
 */
function sourcesOf(
  host: ReturnType<typeof requireHost>,
  peer: PeerRecord,
  runtime: string | undefined,
): LogSource[] {
  const runtimes = runtime ? [runtime] : peer.profile.runtimes;
  return runtimes.flatMap((rt) => {
    const id = makeIdentity(rt, peer.personality);
    if (!id.ok || !peer.profile.runtimes.includes(rt)) return [];
    const label = peer.profile.runtimes.length > 1 ? id.value.identity : peer.personality;
    return [{ identity: id.value.identity, label, path: peerLog(host.layout, id.value.identity) }];
  });
}

/**
 * Read once, the line still being written (a prompt) is one of the last N, and the output ends
 * its last line as any command's does; followed, it waits to be finished.
 */
function lastLines(text: string, lines: number): string {
  const parts = text.split("\n");
  const partial = parts.pop() as string;
  if (partial !== "") parts.push(partial);
  const kept = lines === 0 ? [] : parts.slice(-lines);
  return kept.length === 0 ? "" : `${kept.join("\n")}\n`;
}

/**
 * A pipe gets plain text: each line as the terminal showed it. The line still being written is
 * shown as far as it goes and finished when the rest arrives.
 */
function plainWriter(write: (text: string) => void): (text: string) => void {
  let line = "";
  let shown = 0;
  return (text) => {
    const parts = (line + text).split("\n");
    line = parts.pop() as string;
    let out = "";
    for (const [i, part] of parts.entries()) {
      out += `${renderLine(part).slice(i === 0 ? shown : 0)}\n`;
    }
    if (parts.length > 0) shown = 0;
    const rest = renderLine(line).slice(shown);
    shown += rest.length;
    write(out + rest);
  };
}

/** One peer's log as it was printed, as `logs <peer>` has always shown it. */
async function showOne(
  path: string,
  lines: number,
  since: Date | undefined,
  follow: boolean,
): Promise<void> {
  // A terminal renders the session's own escapes; a pipe gets plain text.
  const write = (text: string) => process.stdout.write(text);
  const show = process.stdout.isTTY ? write : plainWriter(write);
  const at = writtenAt(path);
  const quiet = since !== undefined && (at === undefined || at < since);
  let { text, end } = tail(path, quiet ? 0 : lines);
  if (!quiet) show(follow ? text : lastLines(text, lines));
  while (follow) {
    await Bun.sleep(250);
    if (existsSync(path) && statSync(path).size < end) end = 0; // truncated or replaced
    ({ text, end } = readFrom(path, end));
    if (text) show(text);
  }
}

export default defineCommand({
  meta: {
    name: "logs",
    description:
      "What the peers' sessions printed: one peer's log, or every peer's merged with its name before each line",
  },
  args: {
    // Not `peer`: that key is the `--peer` option; citty shows positionals upper-cased anyway.
    PEER: {
      type: "positional",
      required: false,
      description: "Only this peer, its log as printed (default: every peer, prefixed)",
    },
    peer: peerOption,
    runtime: runtimeArg,
    follow: {
      type: "boolean",
      alias: "f",
      description: "Keep printing as they grow",
      default: false,
    },
    lines: {
      type: "string",
      alias: "n",
      description: "How many lines from the end of each log",
      default: "100",
    },
    since: {
      type: "string",
      description:
        "Only logs written since then: 10m, 2h, 1d or an ISO time (pane logs have no time per line)",
    },
    timestamps: {
      type: "boolean",
      alias: "t",
      description:
        "Each line after the time it was written; a pane log keeps no time per line, so only lines seen arriving with --follow have one, earlier ones show -",
      default: false,
    },
    json: {
      type: "boolean",
      description:
        'One JSON object per line: {"peer","runtime","identity","ts","line"}, ts null when not known',
      default: false,
    },
  },
  async run(context) {
    const { args } = context;
    const positional = (args._ as string[])[0];
    const one = positional === undefined ? undefined : peerName(positional);
    const lines = Number(args.lines);
    if (!Number.isInteger(lines) || lines < 0)
      throw usageError("--lines must be a whole number ≥ 0");
    let since: Date | undefined;
    if (args.since !== undefined) {
      const parsed = parseSince(args.since, false);
      if (!parsed.ok || parsed.value.kind !== "time") throw usageError(sinceForms(false));
      since = parsed.value.at;
    }
    const host = requireHost();
    const named = await peersNamed(context, () => host.store);
    const onePeer = one === undefined ? undefined : getPeer(host.store, one);
    if (one !== undefined && !onePeer)
      throw actionError(`no peer named ${one}; see \`iapeer list\``);

    const style: LogStyle = { json: args.json, timestamps: args.timestamps };
    const plain = !style.json && !style.timestamps;
    if (onePeer && !named) {
      const runtime = args.runtime ?? onePeer.profile.defaultRuntime;
      const path = logOf(host, onePeer, runtime);
      if (plain) return showOne(path, lines, since, args.follow);
      // Line by line, as the merged stream is, without the peer's column.
      const identity = makeIdentity(runtime, onePeer.personality);
      const source = { identity: identity.ok ? identity.value.identity : "", label: "", path };
      return showMerged({
        lines,
        ...(since && { since }),
        follow: args.follow,
        colour: false,
        style,
        prefix: false,
        sources: () => [source],
        write: (text) => process.stdout.write(text),
      });
    }

    // Named peers (the positional one too) are fixed; with none named, every peer, new ones
    // joining while following.
    const chosen = named || onePeer ? [...(onePeer ? [onePeer] : []), ...(named ?? [])] : undefined;
    if (chosen && args.runtime) for (const peer of chosen) logOf(host, peer, args.runtime);
    const peers = () => chosen ?? listPeers(host.store);
    // No peers is an empty answer, as in `list`, not a failure; following, new ones join.
    if (peers().length === 0)
      consola.info("no peers yet: `iapeer create <name> --runtime echo` makes one");
    await showMerged({
      lines,
      ...(since && { since }),
      follow: args.follow,
      colour: !style.json && colorWanted(process.stdout.isTTY),
      style,
      prefix: true,
      sources: () => {
        const seen = new Set<string>();
        return peers()
          .filter((p) => !seen.has(p.personality) && seen.add(p.personality))
          .flatMap((p) => sourcesOf(host, p, args.runtime));
      },
      write: (text) => process.stdout.write(text),
    });
  },
});
