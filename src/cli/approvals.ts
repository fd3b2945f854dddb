import { defineCommand } from "citty";
import consola from "consola";
import type { Approval } from "../lifecycle/approvals";
import { askDaemon } from "./daemon-client";
import { actionError } from "./exit-codes";
import { printJson } from "./output";

/**
 * The dialogs that wait for a person, and answering them. Only the local user can: these go
 * over the daemon's unix socket, which a peer's MCP token never reaches.
 */

export const approvals = defineCommand({
  meta: {
    name: "approvals",
    description: "List the dialogs that wait for a person's answer (permission, question, trust)",
  },
  args: { json: { type: "boolean", description: "Print JSON", default: false } },
  async run({ args }) {
    const list = await askDaemon<Approval[]>("GET", "/v1/approvals");
    if (args.json) return printJson(list);
    if (list.length === 0) {
      process.stderr.write("no dialog waits for an answer\n");
      return;
    }
    for (const a of list) {
      process.stdout.write(
        `${a.peer}${a.host ? `@${a.host}` : ""} (${a.runtime}) since ${a.since} [${a.source}]\n`,
      );
      process.stdout.write(`  ${a.question}\n`);
      a.options.forEach((o, i) => {
        process.stdout.write(`    ${i + 1}. ${o}\n`);
      });
    }
    process.stderr.write("answer with `iapeer approve <peer> [option]` or `iapeer deny <peer>`\n");
  },
});

async function answer(peer: string, path: "approve" | "deny", option?: string, runtime?: string) {
  const done = await askDaemon<{ ok: boolean; option?: string; error?: string }>(
    "POST",
    `/v1/peers/${encodeURIComponent(peer)}/${path}`,
    { ...(option !== undefined && { option }), ...(runtime !== undefined && { runtime }) },
  );
  if (!done.ok) throw actionError(done.error ?? "the dialog was not answered");
  return done;
}

export const approve = defineCommand({
  meta: {
    name: "approve",
    description: "Answer a peer's dialog: the option that says Yes, or the one you name",
  },
  args: {
    peer: { type: "positional", required: true, description: "The peer whose dialog it is" },
    option: {
      type: "positional",
      required: false,
      description: "The option: its number, its text or the start of it (default: Yes)",
    },
    runtime: { type: "string", description: "The peer's runtime (default: its default runtime)" },
    json: { type: "boolean", description: "Print JSON", default: false },
  },
  async run({ args }) {
    const done = await answer(args.peer, "approve", args.option, args.runtime);
    if (args.json) printJson(done);
    else consola.success(`${args.peer}: chose "${done.option}"`);
  },
});

export const deny = defineCommand({
  meta: { name: "deny", description: "Answer a peer's dialog with No (or cancel it)" },
  args: {
    peer: { type: "positional", required: true, description: "The peer whose dialog it is" },
    runtime: { type: "string", description: "The peer's runtime (default: its default runtime)" },
    json: { type: "boolean", description: "Print JSON", default: false },
  },
  async run({ args }) {
    const done = await answer(args.peer, "deny", undefined, args.runtime);
    if (args.json) printJson(done);
    else consola.success(`${args.peer}: chose "${done.option}"`);
  },
});
