import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineCommand } from "citty";
import type { PeerDetail } from "../daemon/peer-detail";
import { profilePath } from "../registry/profile";
import { askDaemon } from "./daemon-client";
import { actionError, usageError } from "./exit-codes";
import { consola } from "./log";
import { requireConfig } from "./need-config";
import { jsonArg, peerName } from "./peer-arg";
import { reportUpdate, type Updated } from "./set";

type EditAnswer = Updated | { ok: false; error: string; badInput?: boolean };

/**
 * $VISUAL, then $EDITOR, then vi as git does; but vi only on a terminal to type into: without
 * one it would wait for keys that never come, so a script is told instead.
 */
function editorCommand(env: Readonly<Record<string, string>>, terminal: boolean): string {
  const given = env.VISUAL || env.EDITOR;
  if (given) return given;
  if (terminal) return "vi";
  throw usageError(
    "no editor: set $VISUAL or $EDITOR (vi, the fallback, needs a terminal; or use `iapeer set`)",
  );
}

/** Run the editor on a file, through sh so that `code --wait` works as people write it. */
function runEditor(editor: string, file: string, json: boolean): void {
  const res = Bun.spawnSync(["sh", "-c", `${editor} "$1"`, "sh", file], {
    stdin: "inherit",
    // With --json, stdout carries exactly one object: the editor's own output goes to stderr.
    stdout: json ? process.stderr.fd : "inherit",
    stderr: "inherit",
  });
  if (res.exitCode !== 0)
    throw actionError(
      `the editor (${editor}) exited with ${res.exitCode ?? res.signalCode}; nothing was changed (your text is in ${file})`,
    );
}

async function askAgain(): Promise<boolean> {
  process.stderr.write("Edit it again? [Y/n] ");
  for await (const line of console) return !/^\s*n/i.test(line);
  return false;
}

export default defineCommand({
  meta: {
    name: "edit",
    description:
      "Open a peer's profile in $VISUAL/$EDITOR; saved only if valid, used from its next wake",
  },
  args: {
    peer: { type: "positional", required: true, description: "The peer's name" },
    json: jsonArg,
  },
  async run({ args }) {
    const name = peerName(args.peer);
    const peer = await askDaemon<PeerDetail | { error: string }>(
      "GET",
      `/v1/peers/${encodeURIComponent(name)}`,
    );
    if ("error" in peer) throw actionError(peer.error);
    // Only a person at a terminal is asked to try again; a script gets the refusal.
    const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
    const editor = editorCommand(requireConfig().env, process.stdin.isTTY === true);
    let original: string | undefined;
    try {
      original = readFileSync(profilePath(peer.cwd), "utf8");
    } catch {
      original = undefined;
    }
    // A copy is edited: the profile itself changes only once the edit is valid.
    const dir = mkdtempSync(join(tmpdir(), "iapeer-edit-"));
    const file = join(dir, `${name}.peer.json`);
    writeFileSync(file, original ?? `${JSON.stringify(peer.profile, null, 2)}\n`, { mode: 0o600 });
    for (;;) {
      runEditor(editor, file, args.json);
      // The daemon checks the text and writes it, refusing it if the file changed meanwhile.
      const r = await askDaemon<EditAnswer>("POST", "/v1/registry/edit", {
        peer: name,
        text: readFileSync(file, "utf8"),
        ...(original !== undefined && { expectText: original }),
      });
      if (r.ok) {
        rmSync(dir, { recursive: true, force: true });
        return reportUpdate(r, args.json);
      }
      if (!r.badInput) throw actionError(r.error);
      if (!interactive)
        throw usageError(
          `the edit is refused, the profile is left as it was: ${r.error} (your text is in ${file})`,
        );
      consola.error(`the edit is refused: ${r.error}`);
      if (!(await askAgain()))
        throw usageError(`the profile is left as it was (your text is in ${file})`);
    }
  },
});
