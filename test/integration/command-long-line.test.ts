import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launch } from "../../src/launch/launch";
import { commandAdapter } from "../../src/runtimes/command";
import type { Tmux } from "../../src/tmux/client";
import { clearOurText, readInput } from "../../src/transport/type-in";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { createShellPeer } from "../helpers/shell-peer";
import { until } from "../helpers/until";

const PROMPT = "/\\S+[$#] /";

test("a 12,000-character line, more than the screen holds, is delivered; the next send too", () => {
  const sb = sandbox();
  const dir = createShellPeer(sb, "sh");
  const word = "x".repeat(11_990);
  const line = `echo ${word} > long.txt`;
  expect(line.length).toBeGreaterThan(12_000);
  const sent = runSource(["send", "sh", "-m", line, "--json"], sb.env);
  expect(JSON.parse(sent.stdout)).toMatchObject({ outcome: "delivered" });
  expect(sent.code).toBe(0);
  expect(readFileSync(join(dir, "long.txt"), "utf8")).toBe(`${word}\n`);
  const next = runSource(["send", "sh", "-m", "echo after >> after.txt"], sb.env);
  expect(next.code).toBe(0);
  expect(readFileSync(join(dir, "after.txt"), "utf8")).toBe("after\n");
}, 90_000);

describe("after a paste that never showed whole", () => {
  async function bash() {
    const sb = sandbox();
    const id = sb.identity("command", "sh");
    const r = await launch(
      {
        identity: id,
        cwd: sb.peerDir("sh"),
        resume: false,
        settings: { command: "bash", prompt: PROMPT },
      },
      commandAdapter,
      sb.launchConfig(id),
    );
    if (!r.ok) throw new Error(r.error);
    return { tmux: sb.tmux(id), identity: id.identity };
  }
  const line = async (tmux: Tmux, identity: string) =>
    (await readInput(tmux, identity, PROMPT))?.line;

  test("iapeer's own text is cleared from the line with Ctrl-U", async () => {
    const { tmux, identity } = await bash();
    const text = "echo never submitted";
    await tmux.sendKeys(identity, [text.slice(0, 12)], true);
    await until(
      async () => (await line(tmux, identity)) === text.slice(0, 12),
      "the text on the line",
    );
    expect(await clearOurText(tmux, identity, PROMPT, text)).toBe(true);
    expect(await line(tmux, identity)).toBe("");
  });

  test("a person's draft is never cleared", async () => {
    const { tmux, identity } = await bash();
    await tmux.sendKeys(identity, ["ls -l my"], true);
    await until(async () => (await line(tmux, identity)) === "ls -l my", "the draft on the line");
    expect(await clearOurText(tmux, identity, PROMPT, "echo never submitted")).toBe(false);
    expect(await line(tmux, identity)).toBe("ls -l my");
  });
});
