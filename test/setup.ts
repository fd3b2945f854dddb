// Preloaded for every test file (bunfig.toml), so its hooks apply to all of them: a hook in a
// shared helper module would be registered only for the first file that imports it.
import { afterEach, setDefaultTimeout } from "bun:test";
import { cleanupAgents } from "./helpers/agents";
import { cleanupBridgeFleets } from "./helpers/bridge-fleet";
import { cleanupBrowsers } from "./helpers/browser";
import { cleanupDaemons } from "./helpers/daemon";
import { cleanupNats } from "./helpers/nats";
import { cleanupSandboxes } from "./helpers/sandbox";
import { cleanupTelegram } from "./helpers/telegram";
import { cleanupTempDirs } from "./helpers/temp";

// One test's ceiling, the same when one file runs alone (`bun test test/x.test.ts`) as in the
// suite (`npm test` passes --timeout 30000): bunfig.toml cannot say it, and Bun applies this to
// the first file of a run only, which for one file is the file.
setDefaultTimeout(30_000);

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
