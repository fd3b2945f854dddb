import { expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/core/config";
import { ensureLayout, layoutOf, peerDir, peerLog, tmuxSocket } from "../../src/core/paths";
import { tempDir } from "../helpers/temp";

test("the layout follows the contract", () => {
  const layout = layoutOf({ home: "/h/.iapeer", sockDir: "/h/.iapeer/run" });
  expect(layout.dbPath).toBe("/h/.iapeer/state/iapeer.db");
  expect(layout.lifecycleLog).toBe("/h/.iapeer/logs/iapeer/lifecycle.log");
  expect(layout.deliveryLog).toBe("/h/.iapeer/logs/iapeer/delivery.log");
  expect(layout.exitsLog).toBe("/h/.iapeer/logs/iapeer/exits.log");
  expect(layout.daemonSock).toBe("/h/.iapeer/run/daemon.sock");
  expect(peerDir(layout, "ana")).toBe("/h/.iapeer/peers/ana");
  expect(peerLog(layout, "echo-ana")).toBe("/h/.iapeer/logs/peers/echo-ana.log");
  expect(tmuxSocket(layout, "echo-ana")).toBe("/h/.iapeer/run/tmux/echo-ana.sock");
});

test("ensureLayout makes every directory private", () => {
  const home = join(tempDir(), "home");
  const config = loadConfig({ env: { HOME: "/x", IAPEER_HOME: home }, platform: process.platform });
  if (!config.ok) throw new Error(config.error);
  const layout = layoutOf(config.value);
  const made = ensureLayout(layout, process.getuid?.() ?? 0);
  expect(made.ok).toBe(true);
  for (const dir of [
    layout.home,
    layout.peersDir,
    layout.stateDir,
    layout.logsDir,
    layout.peerLogsDir,
    layout.sockDir,
    layout.tmuxSockDir,
  ]) {
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  }
});
