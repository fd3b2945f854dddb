import { expect, test } from "bun:test";
import { createPeer } from "../../src/registry/create";
import { Journal } from "../../src/store/journal";
import { launchBrowser } from "../helpers/browser";
import { type DaemonProcess, startDaemon } from "../helpers/daemon";
import { browserDescribe } from "../helpers/needs";
import { freePort } from "../helpers/port";
import { type Sandbox, sandbox } from "../helpers/sandbox";

/** A daemon on a throwaway home with its own loopback port, echo peers made beforehand. */
async function dashboard(peers: string[], before?: (sb: Sandbox) => void) {
  const sb = sandbox();
  const host = sb.host();
  for (const name of peers) {
    const made = createPeer(host, { name, runtime: "echo" });
    if (!made.ok) throw new Error(made.error);
  }
  before?.(sb);
  const port = String(await freePort());
  const d = await startDaemon(sb, { IAPEER_PORT: port });
  return { sb, d, port };
}

async function loginUrl(d: DaemonProcess): Promise<string> {
  const r = await d.api<{ url: string }>("POST", "/v1/ui/login");
  expect(r.status).toBe(200);
  return r.body.url;
}

browserDescribe("the dashboard in a new user's first hour", () => {
  test("a fleet half an hour old fills the timeline, not a sliver at now", async () => {
    const HALF_HOUR = 30 * 60_000;
    const { d } = await dashboard(["ana"], (sb) => {
      // ana came up half an hour ago, the fleet's first event.
      const at = new Date(Date.now() - HALF_HOUR);
      new Journal(sb.events, sb.host().store).write("launch", { identity: "echo-ana" }, at);
    });
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(await loginUrl(d));
    const band = '.timeline g[data-identity="echo-ana"] .up';
    await page.waitForSelector(band);
    expect(await page.textContent("#timeline-title")).toMatch(/^The last 3[01] minutes$/);
    // The band runs from the fleet's start to now: most of the plot (840 of its 1000 units),
    // where the 24 h scale gave it 2 %.
    const width = Number(await page.getAttribute(band, "width"));
    expect(width).toBeGreaterThan(0.9 * 840);
    // The axis's times are inside the window: the grid steps by minutes, ending at "now".
    const labels = await page.locator(".timeline text.axis").allTextContents();
    expect(labels[0]).toBe("now");
    expect(labels.length).toBeGreaterThanOrEqual(4);
    expect(labels.length).toBeLessThanOrEqual(9);
  });

  test("the header counts every peer by state, the stopped ones too", async () => {
    const { d } = await dashboard(["ana", "bob", "cy"]);
    expect((await d.api("POST", "/v1/peers/ana/wake")).status).toBe(200);
    expect((await d.api("POST", "/v1/peers/bob/stop")).status).toBe(200);
    const browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(await loginUrl(d));
    await page.waitForSelector('tr[data-identity="echo-bob"][data-state="stopped"]');
    await page.waitForFunction(() =>
      (
        globalThis as unknown as {
          document: { getElementById(id: string): { textContent: string } };
        }
      ).document
        .getElementById("summary")
        .textContent.includes("stopped"),
    );
    expect(await page.textContent("#summary")).toBe(
      "3 peers · 1 live · 1 asleep · 1 stopped · 0 failed",
    );
  });

  test("reloading after a daemon restart shows a page that says to run iapeer ui, not JSON", async () => {
    const { sb, d, port } = await dashboard(["ana"]);
    const browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(await loginUrl(d));
    await page.waitForSelector('tr[data-identity="echo-ana"]');
    await d.stop();
    await startDaemon(sb, { IAPEER_PORT: port });
    const res = await page.reload();
    expect(res?.status()).toBe(401);
    expect(res?.headers()["content-type"]).toContain("text/html");
    const text = (await page.textContent("body")) ?? "";
    expect(text).toContain("Run iapeer ui for a new login link");
    expect(text).not.toContain('{"error"');
    // The API still answers its callers in JSON.
    const api = await page.evaluate(
      `fetch("/ui/api/fleet").then(async (r) => [r.status, await r.text()])`,
    );
    expect(api).toEqual([
      401,
      '{"error":"no dashboard session: run `iapeer ui` for a login link"}',
    ]);
  });
});
