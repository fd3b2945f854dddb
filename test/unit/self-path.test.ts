import { describe, expect, test } from "bun:test";
import { upgradeStablePath } from "../../src/core/self";

describe("the path services and sessions run iapeer by", () => {
  test("a Homebrew keg's binary is run through the opt link that follows upgrades", () => {
    const there = (path: string) => path === "/opt/homebrew/opt/iapeer/bin/iapeer";
    expect(upgradeStablePath("/opt/homebrew/Cellar/iapeer/0.1.0/bin/iapeer", there)).toBe(
      "/opt/homebrew/opt/iapeer/bin/iapeer",
    );
  });

  test("without the opt link, or outside a keg, the binary's own path is kept", () => {
    const nothing = () => false;
    expect(upgradeStablePath("/usr/local/Cellar/iapeer/0.1.0/bin/iapeer", nothing)).toBe(
      "/usr/local/Cellar/iapeer/0.1.0/bin/iapeer",
    );
    const anything = () => true;
    for (const path of [
      "/home/me/.local/bin/iapeer",
      "/usr/lib/node_modules/iapeer/node_modules/@iapeer/linux-x64/bin/iapeer",
      "/opt/homebrew/Cellar/other/1.0/bin/iapeer",
    ])
      expect(upgradeStablePath(path, anything)).toBe(path);
  });
});
