import { expect, test } from "bun:test";
import { runSource, runSourceAsync } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

test("stop while a send is booting the peer ends the boot at once, and says it stopped it", async () => {
  const sb = sandbox();
  // Never ready: without a stop, its boot would run out the 30 s deadline.
  const made = runSource(
    ["create", "slow", "--runtime", "command", "--command", "cat", "--ready", "never-shown"],
    sb.env,
  );
  expect(made.code).toBe(0);
  const started = Date.now();
  const sending = runSourceAsync(["send", "slow", "-m", "hi", "--json"], sb.env);
  const tmux = sb.tmux(sb.identity("command", "slow"));
  await until(() => tmux.hasSession("command-slow"), "the session to be booting");

  const stop = runSource(["stop", "slow"], sb.env);
  expect(stop.code).toBe(0);
  expect(stop.stderr).toContain("stopped command-slow");
  expect(stop.stderr).not.toContain("no live session");

  const sent = await sending;
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(sent.code).not.toBe(0);
  expect(await tmux.hasSession("command-slow")).toBe(false);
  // Not a death: the peer was stopped, not broken.
  expect(runSource(["exits", "--json"], sb.env).stdout).not.toContain("boot-failed");
  const row = (JSON.parse(runSource(["list", "--json"], sb.env).stdout) as { state: string }[])[0];
  expect(row?.state).toBe("stopped");
}, 60_000);
