import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { launchBrowser } from "../helpers/browser";
import { dashboard, loginUrl } from "../helpers/dashboard";
import { browserDescribe } from "../helpers/needs";
import { until } from "../helpers/until";

const lines = (cwd: string): string[] => {
  try {
    return readFileSync(receivedLog(cwd), "utf8").trim().split("\n").filter(Boolean);
  } catch {
    return [];
  }
};

browserDescribe("the dashboard's approvals", () => {
  test("a question waiting in a peer shows with a button per option; a click answers it, and the held message goes", async () => {
    const { sb, d } = await dashboard(["ana"]);
    const cwd = join(sb.layout.peersDir, "ana");
    expect((await d.api("POST", "/v1/send", { to: "ana", body: "please [ask]" })).status).toBe(200);
    const held = await d.api<{ outcome: { outcome: string; reason?: string } }>(
      "POST",
      "/v1/send",
      {
        to: "ana",
        body: "held back",
      },
    );
    expect(held.body.outcome).toMatchObject({ outcome: "queued" });
    const browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(await loginUrl(d));
    await page.waitForSelector('#approvals li[data-peer="ana"]');
    expect(await page.textContent("#approvals")).toContain("Do you want to proceed?");
    expect(await page.textContent('tr[data-identity="echo-ana"] .state')).toContain("asking");
    await page.click('#approvals button:has-text("2. No, stop here")');
    await page.waitForSelector("#approvals-note:has-text('chose “No, stop here”')");
    await until(() => lines(cwd).length === 3, "the answer, then the held message", 20_000);
    expect(lines(cwd)[1]).toContain("answered: No, stop here");
    expect(lines(cwd)[2]).toContain("held back");
    await page.waitForSelector("#approvals li", { state: "detached" });
    await browser.close();
  });
});
