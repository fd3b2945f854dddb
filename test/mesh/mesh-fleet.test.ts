import { expect, test } from "bun:test";
import { launchBrowser } from "../helpers/browser";
import { runSource } from "../helpers/cli";
import { meshHost } from "../helpers/mesh-hosts";
import { startNats } from "../helpers/nats";
import { natsBrowserDescribe } from "../helpers/needs";
import { freePort } from "../helpers/port";
import { until } from "../helpers/until";

/** Every host's peers, through the daemons' directory sync: `list --all` and the dashboard. */

natsBrowserDescribe("every host's peers", () => {
  test("list --all shows both hosts' peers with a host column; the dashboard lists the other host's", async () => {
    const nats = await startNats();
    const a = await meshHost(
      nats.url,
      "hosta",
      ["ana"],
      {},
      { IAPEER_PORT: String(await freePort()) },
    );
    const b = await meshHost(nats.url, "hostb", ["bob", "cy"]);
    const all = () => {
      const r = runSource(["list", "--all", "--json"], a.sb.env);
      return r.code === 0
        ? (JSON.parse(r.stdout) as { host: string; personality: string; state: string }[])
        : [];
    };
    const rows = await until(
      () => {
        const got = all();
        return got.length === 3 ? got : undefined;
      },
      "three peers on two hosts",
      60_000,
    );
    expect(rows.map((r) => [r.host, r.personality, r.state])).toEqual([
      ["hosta", "ana", "asleep"],
      ["hostb", "bob", "asleep"],
      ["hostb", "cy", "asleep"],
    ]);
    const table = runSource(["list", "--all"], a.sb.env);
    expect(table.stdout).toMatch(/^HOST\s+PEER\s+RUNTIME\s+STATE/);
    expect(table.stderr).toBe("");

    // A change on hostb reaches hosta's listing.
    expect((await b.daemon.api("POST", "/v1/peers/bob/wake")).status).toBe(200);
    await until(
      () => all().find((r) => r.personality === "bob")?.state === "live",
      "bob live at hosta",
      60_000,
    );

    const login = await a.daemon.api<{ url: string }>("POST", "/v1/ui/login");
    const browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(login.body.url);
    await page.waitForSelector('#others tr[data-peer="bob@hostb"][data-state="live"]', {
      timeout: 60_000,
    });
    await page.waitForSelector('#others tr[data-peer="cy@hostb"][data-state="asleep"]');
    expect(await page.isVisible("#hosts")).toBe(true);
  });
});
