import { describe, expect, test } from "bun:test";
import { launchBrowser } from "./helpers/browser";
import { distinctColours } from "./helpers/png";

describe("the browser the dashboard's tests use", () => {
  test("the system Chromium renders a page; a blank one has one colour", async () => {
    const browser = await launchBrowser();
    const page = await browser.newPage();
    await page.setContent("<body style='background:#fff'></body>");
    expect(distinctColours(await page.screenshot())).toBe(1);
    await page.setContent("<h1 style='color:#c00'>iapeer</h1>");
    expect(await page.textContent("h1")).toBe("iapeer");
    expect(distinctColours(await page.screenshot())).toBeGreaterThan(2);
  });
});
