import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { receivedLog } from "../../src/agent/echo-agent";
import { decodeEnvelope } from "../../src/codec/envelope";
import { createPeer } from "../../src/registry/create";
import { issueToken } from "../../src/registry/tokens";
import { iapeerBinary } from "../helpers/binary";
import { launchBrowser } from "../helpers/browser";
import { ROOT, runSource } from "../helpers/cli";
import { type DaemonProcess, startDaemon } from "../helpers/daemon";
import { browserDescribe } from "../helpers/needs";
import { distinctColours } from "../helpers/png";
import { freePort } from "../helpers/port";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

const ARTIFACTS = join(ROOT, "test-artifacts");

/** A daemon on a throwaway home with its own loopback port, and peers made beforehand. */
async function dashboard(
  peers: string[] = [],
  env: Record<string, string> = {},
): Promise<{ sb: Sandbox; d: DaemonProcess; base: string }> {
  const sb = sandbox();
  const host = sb.host();
  for (const name of peers) {
    const made = createPeer(host, { name, runtime: "echo" });
    if (!made.ok) throw new Error(made.error);
  }
  const d = await startDaemon(sb, { IAPEER_PORT: String(await freePort()), ...env });
  return { sb, d, base: `http://127.0.0.1:${d.info.port}` };
}

/** A fresh one-time login link, as `iapeer ui` gets it. */
async function loginUrl(d: DaemonProcess): Promise<string> {
  const r = await d.api<{ url: string }>("POST", "/v1/ui/login");
  expect(r.status).toBe(200);
  return r.body.url;
}

/** The session cookie a login link gives (`name=value`), by plain HTTP. */
async function sessionCookie(d: DaemonProcess): Promise<string> {
  const res = await fetch(await loginUrl(d), { redirect: "manual" });
  expect(res.status).toBe(303);
  return (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
}

/** A screenshot kept as a test artefact, checked not to be a blank render. */
async function keepScreenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, name), png);
  expect(distinctColours(png)).toBeGreaterThan(8);
}

/** The bodies the echo agent of `peer` has received, from its own file. */
function received(sb: Sandbox, peer: string): string[] {
  if (!existsSync(receivedLog(join(sb.layout.peersDir, peer)))) return [];
  return readFileSync(receivedLog(join(sb.layout.peersDir, peer)), "utf8")
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      // A message comes in its envelope; a line typed by hand as it was typed.
      const { text } = JSON.parse(l) as { text: string };
      const env = decodeEnvelope(text);
      return env.ok ? env.value.body : text;
    });
}

/** The little of the DOM the in-page checks use (this project's TypeScript has no DOM types). */
interface PageNode {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  children: ArrayLike<PageNode>;
  querySelector(selector: string): PageNode | null;
}
declare const document: { querySelector(selector: string): PageNode | null };

const row = (identity: string) => `tr[data-identity="${identity}"]`;

browserDescribe("iapeer ui: the login", () => {
  test("`iapeer ui --no-open` prints a one-time link; it logs the browser in once, a second use is refused", async () => {
    const { sb, d, base } = await dashboard(["ana"]);
    const out = runSource(["ui", "--no-open", "--json"], sb.env);
    expect(out.code).toBe(0);
    const { url, opened } = JSON.parse(out.stdout) as { url: string; opened: boolean };
    expect(opened).toBe(false);
    expect(url).toStartWith(`${base}/ui/login?token=`);

    const browser = await launchBrowser();
    const page = await browser.newPage();
    const first = await page.goto(url);
    expect(first?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/ui/");
    await page.waitForSelector(row("echo-ana"));
    const cookies = await page.context().cookies();
    expect(cookies).toEqual([
      expect.objectContaining({
        name: `iapeer_ui_${d.info.port}`,
        httpOnly: true,
        sameSite: "Strict",
        path: "/ui",
      }),
    ]);

    // Spent: in another browser context (no cookie) the same link is refused.
    const other = await browser.newContext();
    const again = await (await other.newPage()).goto(url);
    expect(again?.status()).toBe(403);
    expect(await again?.text()).toContain("used already");
    // Also by plain HTTP, and a made-up token.
    expect((await fetch(url, { redirect: "manual" })).status).toBe(403);
    expect((await fetch(`${base}/ui/login?token=nope`, { redirect: "manual" })).status).toBe(403);

    // A restarted daemon has forgotten the session: the open page says how to log in again.
    await page.waitForSelector("#link.link-ok");
    await d.stop();
    await startDaemon(sb, { IAPEER_PORT: String(d.info.port) });
    await page.waitForSelector("#banner:not([hidden])", { timeout: 20_000 });
    expect(await page.textContent("#banner")).toContain("run `iapeer ui` for a new login link");
  });

  test("a daemon without a loopback listener says the dashboard needs one", async () => {
    const sb = sandbox();
    const d = await startDaemon(sb); // IAPEER_PORT=0
    const r = await d.api<{ error: string }>("POST", "/v1/ui/login");
    expect(r.status).toBe(409);
    expect(r.body.error).toContain("IAPEER_PORT=0");
    const out = runSource(["ui", "--no-open"], sb.env);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("no loopback listener");
  });
});

describe("the dashboard's door", () => {
  test("refused: no cookie, a foreign Host (DNS rebinding), a foreign Origin or no CSRF token on a change, a peer's MCP token; never CORS", async () => {
    const { sb, d, base } = await dashboard(["ana"]);
    const cookie = await sessionCookie(d);
    const fleet = `${base}/ui/api/fleet`;

    const ok = await fetch(fleet, { headers: { cookie } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(ok.headers.get("access-control-allow-origin")).toBeNull();
    expect(((await ok.json()) as { rows: unknown[] }).rows).toHaveLength(1);

    expect((await fetch(fleet)).status).toBe(401);
    expect(
      (await fetch(fleet, { headers: { cookie: `iapeer_ui_${d.info.port}=forged` } })).status,
    ).toBe(401);
    for (const host of [
      `evil.example:${d.info.port}`,
      "127.0.0.1:80",
      `localhost.evil.example:${d.info.port}`,
    ])
      expect((await fetch(fleet, { headers: { cookie, host } })).status).toBe(421);
    const crossSite = await fetch(fleet, {
      headers: { cookie, origin: "http://evil.example", "sec-fetch-site": "cross-site" },
    });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("access-control-allow-origin")).toBeNull();

    // A peer's MCP token is not a dashboard session, and a dashboard cookie does not open /mcp.
    const mcpToken = issueToken(sb.host().store, "ana");
    expect((await fetch(fleet, { headers: { authorization: `Bearer ${mcpToken}` } })).status).toBe(
      401,
    );
    const mcp = await fetch(`${base}/mcp`, {
      method: "POST",
      headers: {
        cookie,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(mcp.status).toBe(401);
    // Nor does a peer's token get a login link.
    const peerLogin = await fetch(`${base}/v1/ui/login`, {
      method: "POST",
      headers: { authorization: `Bearer ${mcpToken}` },
    });
    expect(peerLogin.status).toBe(403);

    // A change needs the session's CSRF token and a same-origin Origin.
    const page = await (await fetch(`${base}/ui/`, { headers: { cookie } })).text();
    const csrf = /name="iapeer-csrf" content="([^"]+)"/.exec(page)?.[1] as string;
    expect(csrf).toBeString();
    const change = (headers: Record<string, string>) =>
      fetch(`${base}/ui/api/peers/ana/wake`, { method: "POST", headers: { cookie, ...headers } });
    expect((await change({ origin: base })).status).toBe(403);
    expect((await change({ origin: "http://evil.example", "x-iapeer-csrf": csrf })).status).toBe(
      403,
    );
    expect((await change({ "x-iapeer-csrf": csrf })).status).toBe(403);
    expect((await change({ origin: base, "x-iapeer-csrf": "wrong" })).status).toBe(403);
    const keys = await fetch(`${base}/ui/api/peers/ana/keys?runtime=echo`, {
      method: "POST",
      headers: { cookie, origin: base, "content-type": "application/json" },
      body: JSON.stringify({ data: "rm -rf ~\r" }),
    });
    expect(keys.status).toBe(403);
    // Past the door: ana wakes.
    expect((await change({ origin: base, "x-iapeer-csrf": csrf })).status).toBe(200);

    // Sessions live in the daemon's memory: a restarted daemon has forgotten them.
    await d.stop();
    const d2 = await startDaemon(sb, { IAPEER_PORT: String(d.info.port) });
    expect(d2.info.port).toBe(d.info.port);
    expect((await fetch(fleet, { headers: { cookie } })).status).toBe(401);
  });
});

browserDescribe("the fleet view", () => {
  test("lists the peers of a home; a SIGKILL turns the row to asleep with its cause, live", async () => {
    // Several deaths in a row are measured: the crash-loop guard must not turn them into `failed`.
    const { d } = await dashboard(["ana", "bob"], { IAPEER_CRASH_LIMIT: "1000" });
    let woke = await d.api<{ pid: number }>("POST", "/v1/peers/ana/wake");
    expect(woke.status).toBe(200);
    const browser = await launchBrowser();
    const page = await browser.newPage();
    const loadStart = performance.now();
    await page.goto(await loginUrl(d));
    await page.waitForSelector(`${row("echo-ana")}[data-state="live"]`);
    const loadMs = performance.now() - loadStart;
    const navigation = (await page.evaluate(
      `(() => { const [n] = performance.getEntriesByType("navigation"); return n ? n.loadEventEnd - n.startTime : -1; })()`,
    )) as number;
    await page.waitForSelector(`${row("echo-bob")}[data-state="asleep"]`);
    await page.waitForSelector("#link.link-ok");
    expect(await page.textContent(`${row("echo-ana")} .state`)).toContain("live");
    await keepScreenshot(page, "fleet.png");
    // Sort by a column (again: the other way), and filter.
    const order = () =>
      page
        .locator("#fleet tbody tr")
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-identity")));
    expect(await order()).toEqual(["echo-ana", "echo-bob"]);
    await page.click('th[data-sort="personality"]');
    expect(await order()).toEqual(["echo-bob", "echo-ana"]);
    await page.click('th[data-sort="state"]');
    expect(await order()).toEqual(["echo-bob", "echo-ana"]); // asleep before live
    await page.fill("#filter", "live");
    expect(await order()).toEqual(["echo-ana"]);
    await page.fill("#filter", "");

    const rounds = Number(process.env.UI_DEATH_ROUNDS ?? 3);
    const changes: number[] = [];
    for (let n = 1; n <= rounds; n++) {
      if (n > 1) {
        woke = await d.api<{ pid: number }>("POST", "/v1/peers/ana/wake");
        expect(woke.status).toBe(200);
        await page.waitForSelector(`${row("echo-ana")}[data-state="live"]`);
      }
      const killedAt = performance.now();
      process.kill(woke.body.pid, "SIGKILL");
      // In the page, checked each frame: asleep, the cause, and this death counted.
      await page.waitForFunction(
        (count) => {
          const tr = document.querySelector('tr[data-identity="echo-ana"]');
          return (
            tr?.dataset.state === "asleep" &&
            tr.querySelector("td.cause")?.textContent?.includes("killed by SIGKILL") &&
            tr.children[7]?.textContent === String(count)
          );
        },
        n,
        { timeout: 10_000 },
      );
      changes.push(performance.now() - killedAt);
    }
    expect(await page.textContent(`${row("echo-ana")} .state`)).toContain("asleep");
    const sorted = [...changes].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)] as number;
    console.log(
      `fleet view: page loaded in ${navigation.toFixed(0)} ms, rows shown ${loadMs.toFixed(0)} ms after the login link; SIGKILL → row asleep with its cause, no reload: median ${median.toFixed(0)} ms of ${rounds} (${changes.map((c) => c.toFixed(0)).join(", ")})`,
    );
    await keepScreenshot(page, "fleet-after-death.png");
  });
});

browserDescribe("the pictures", () => {
  test("a 24 h timeline per peer (up, deliveries, deaths) and who sent to whom, in light and dark themes", async () => {
    const { d } = await dashboard(["ana", "bob"]);
    for (const [from, to, body] of [
      ["ana", "bob", "one"],
      ["ana", "bob", "two"],
      ["human", "ana", "three"],
    ] as const) {
      const sent = await d.api<{ outcome: { outcome: string } }>("POST", "/v1/send", {
        from,
        to,
        body,
      });
      expect(sent.body.outcome.outcome).toBe("delivered");
    }
    const ana = await d.api<{ runtimes: { pid?: number }[] }>("GET", "/v1/peers/ana");
    process.kill(ana.body.runtimes[0]?.pid as number, "SIGKILL");

    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(await loginUrl(d));
    await page.waitForSelector('.timeline g[data-identity="echo-ana"] .death');
    const anaRow = '.timeline g[data-identity="echo-ana"]';
    expect(await page.locator(`${anaRow} .up`).count()).toBe(1);
    expect(await page.locator(`${anaRow} .tick`).count()).toBe(1);
    expect(await page.locator('.timeline g[data-identity="echo-bob"] .tick').count()).toBe(2);
    expect(await page.textContent(`${anaRow} .death title`)).toContain("killed by SIGKILL");
    expect(await page.textContent('.graph g[data-from="ana"][data-to="bob"]')).toContain("2");
    expect(await page.textContent('.graph g[data-from="human"][data-to="ana"]')).toContain("1");
    await keepScreenshot(page, "fleet-light.png");

    const background = () => page.evaluate("getComputedStyle(document.body).backgroundColor");
    const light = await background();
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await background()).not.toBe(light);
    await keepScreenshot(page, "fleet-dark.png");
  });
});

browserDescribe("the peer view", () => {
  test("its terminal shows the echo agent's prompt; a message sent from it is delivered and its outcome shown; typing only behind the toggle; stop and start act", async () => {
    const { sb, d } = await dashboard(["ana"]);
    const browser = await launchBrowser();
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(await loginUrl(d));
    await page.click(`${row("echo-ana")} a`);
    await page.waitForSelector('#state[data-state="asleep"]');
    // The terminal draws a moment after the state shows.
    await until(
      async () => (await page.textContent(".xterm-rows"))?.includes("not running"),
      "the terminal to say the session is not running",
    );

    await page.click('button[data-action="wake"]');
    await page.waitForSelector('#state[data-state="live"]', { timeout: 20_000 });
    await page.waitForSelector('#terminal[data-live="true"]');
    await until(
      async () => (await page.textContent(".xterm-rows"))?.includes("❯"),
      "the echo agent's prompt in the terminal",
    );

    await page.fill("#body", "hello from the dashboard");
    await page.fill("#topic", "ui");
    await page.click('#send button[type="submit"]');
    await page.waitForSelector('#send-outcome[data-outcome="delivered"]', { timeout: 20_000 });
    expect(received(sb, "ana")).toEqual(["hello from the dashboard"]);
    await until(
      async () => (await page.textContent(".xterm-rows"))?.includes("the dashboard]]"),
      "the delivered message on the terminal, as the agent printed it",
    );
    // Its trail, and its body on demand.
    const delivered = '#messages tr[data-state="delivered"]';
    await page.waitForSelector(delivered);
    expect(await page.textContent(delivered)).toContain("human → ana");
    await page.click(`${delivered} button`);
    await until(
      async () => (await page.textContent(delivered))?.includes("hello from the dashboard"),
      "the message's body, asked for",
    );
    await keepScreenshot(page, "peer.png");

    // Keys reach the session only behind the toggle.
    await page.click("#terminal");
    await page.keyboard.type("not sent");
    await page.keyboard.press("Enter");
    await page.check("#typing");
    expect(await page.textContent("#screen-note")).toContain("the agent sees every key");
    await page.click("#terminal");
    await page.keyboard.type("typed by hand");
    await page.keyboard.press("Enter");
    await until(() => received(sb, "ana").includes("typed by hand"), "the typed line at the agent");
    expect(received(sb, "ana")).toEqual(["hello from the dashboard", "typed by hand"]);
    await page.uncheck("#typing");

    await page.click('button[data-action="stop"]');
    await page.waitForSelector('#state[data-state="stopped"]');
    await page.waitForSelector('#terminal[data-live="false"]');
    await page.click('button[data-action="start"]');
    await page.waitForSelector('#state[data-state="live"]', { timeout: 20_000 });
    // Nothing the CSP refused, no script error.
    expect(errors).toEqual([]);
  });
});

describe("the compiled binary", () => {
  test("serves the dashboard's page and assets from inside itself", async () => {
    const sb = sandbox();
    const bin = await iapeerBinary();
    const port = await freePort();
    // Run from an empty folder: nothing can be read from the source tree.
    const proc = Bun.spawn([bin, "daemon"], {
      cwd: sb.config.home,
      env: { ...sb.env, IAPEER_PORT: String(port) },
      stdout: "ignore",
      stderr: "ignore",
    });
    try {
      const info = await until(() => {
        const path = join(sb.config.sockDir, "daemon.json");
        if (!existsSync(path)) return undefined;
        const read = JSON.parse(readFileSync(path, "utf8")) as { pid: number; socket: string };
        return read.pid === proc.pid ? read : undefined;
      }, "the compiled daemon's daemon.json");
      const login = (await (
        await fetch("http://localhost/v1/ui/login", { method: "POST", unix: info.socket })
      ).json()) as { url: string };
      const res = await fetch(login.url, { redirect: "manual" });
      const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0] as string;
      const base = `http://127.0.0.1:${port}`;
      for (const [path, type, text] of [
        ["/ui/", "text/html", "/ui/assets/fleet.js"],
        ["/ui/assets/fleet.js", "text/javascript", "/ui/api/fleet"],
        ["/ui/assets/common.js", "text/javascript", "EventSource"],
        ["/ui/assets/style.css", "text/css", ".state-asleep"],
        ["/ui/peer?name=ana", "text/html", "/ui/assets/peer.js"],
        ["/ui/assets/peer.js", "text/javascript", "/screen?runtime="],
        ["/ui/assets/xterm.mjs", "text/javascript", "Terminal"],
        ["/ui/assets/xterm.css", "text/css", ".xterm"],
      ] as const) {
        const got = await fetch(`${base}${path}`, { headers: { cookie } });
        expect(got.status).toBe(200);
        expect(got.headers.get("content-type")).toStartWith(type);
        expect(await got.text()).toContain(text);
      }
    } finally {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }, 120_000);
});
