import type { Browser, BrowserServer } from "playwright-core";

/** The system's Chromium (Debian's `chromium`): playwright-core never downloads a browser. */
export const CHROMIUM = "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const running = new Set<{ server: BrowserServer; browser?: Browser; pid: number }>();

/**
 * A headless Chromium for one test, closed after it (test/setup.ts). Launched as a server so
 * its pid is known: a close that hangs ends with SIGKILL to its process group (its own).
 */
export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  const server = await chromium.launchServer({ executablePath: CHROMIUM, args: ARGS });
  const pid = server.process().pid;
  if (pid === undefined) throw new Error("Chromium started without a pid");
  const entry: { server: BrowserServer; browser?: Browser; pid: number } = { server, pid };
  running.add(entry);
  entry.browser = await chromium.connect(server.wsEndpoint());
  return entry.browser;
}

function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Close every browser a test launched; one that does not close in 5 s is killed by pid. */
export async function cleanupBrowsers(): Promise<void> {
  for (const entry of running) {
    const closed = (async () => {
      await entry.browser?.close().catch(() => undefined);
      await entry.server.close();
    })();
    await Promise.race([closed, Bun.sleep(5000)]);
    // Hung, or a helper process outlived the close: its group goes, by the pid we started.
    killGroup(entry.pid);
  }
  running.clear();
}
