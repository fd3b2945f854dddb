// Preloaded for every test file (bunfig.toml), so its hooks apply to all of them: a hook in a
// shared helper module would be registered only for the first file that imports it.
import { afterEach } from "bun:test";
import { cleanupAgents } from "./helpers/agents";
import { cleanupBridgeFleets } from "./helpers/bridge-fleet";
import { cleanupBrowsers } from "./helpers/browser";
import { cleanupDaemons } from "./helpers/daemon";
import { cleanupNats } from "./helpers/nats";
import { cleanupSandboxes } from "./helpers/sandbox";
import { cleanupTelegram } from "./helpers/telegram";
import { cleanupTempDirs } from "./helpers/temp";

afterEach(async () => {
  await cleanupBrowsers();
  await cleanupAgents();
  await cleanupDaemons();
  await cleanupNats();
  await cleanupBridgeFleets();
  cleanupTelegram();
  cleanupSandboxes();
  cleanupTempDirs();
});
