import { describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/core/config";
import { telegramChecks } from "../../src/doctor/telegram";
import { createPeer } from "../../src/registry/create";
import { validateProfile } from "../../src/registry/profile";
import { setRuntimeKey } from "../../src/registry/settings-keys";
import type { RuntimeSettings } from "../../src/runtimes/types";
import { bridgeSettings, readTokenFile } from "../../src/telegram/settings";
import { sandbox } from "../helpers/sandbox";
import { tempDir } from "../helpers/temp";

const TOKEN = "123456:AAHsecretSECRETsecret_-xyz";

function tokenFile(content = `${TOKEN}\n`, mode = 0o600): string {
  const path = join(tempDir("iapeer-tg-"), "token");
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

const env = (vars: Record<string, string>) => {
  const c = loadConfig({ env: { HOME: "/home/u", ...vars }, platform: "linux", uid: 1000 });
  if (!c.ok) throw new Error(c.error);
  return c.value;
};

describe("the telegram knobs", () => {
  test("parsed and checked, with Telegram's API the default", () => {
    const c = env({
      IAPEER_TELEGRAM_TOKEN_FILE: "/run/secrets/tg",
      IAPEER_TELEGRAM_CHATS: "123, -1001234567890,123",
    });
    expect(c.telegram).toEqual({
      tokenFile: "/run/secrets/tg",
      chats: ["123", "-1001234567890"],
      api: "https://api.telegram.org",
    });
    for (const [name, value, says] of [
      ["IAPEER_TELEGRAM_TOKEN_FILE", "tg-token", "absolute path"],
      ["IAPEER_TELEGRAM_CHATS", "123,@ana", "chat ids"],
      ["IAPEER_TELEGRAM_API", "ftp://x", "http(s) URL"],
    ] as const) {
      const bad = loadConfig({ env: { HOME: "/h", [name]: value }, platform: "linux", uid: 1 });
      expect(bad.ok ? "" : bad.error).toContain(name);
      expect(bad.ok ? "" : bad.error).toContain(says);
    }
  });

  test("a profile may set them per bridge, and they are checked there too", () => {
    const base = { personality: "bot", runtimes: ["telegram"] };
    expect(
      validateProfile({
        ...base,
        settings: {
          telegram: {
            tokenFile: "/t",
            chats: ["1"],
            api: "http://127.0.0.1:1",
            defaultPeer: "ana",
          },
        },
      }).ok,
    ).toBe(true);
    for (const telegram of [{ tokenFile: "t" }, { chats: ["x"] }, { defaultPeer: "Ana!" }]) {
      expect(validateProfile({ ...base, settings: { telegram } }).ok).toBe(false);
    }
    expect(setRuntimeKey("telegram", {}, "chats", "1, 2", "chats")).toEqual({
      ok: true,
      value: { chats: ["1", "2"] },
    });
    expect(setRuntimeKey("echo", {}, "chats", "1", "chats").ok).toBe(false);
  });
});

describe("the bot token", () => {
  test("comes from a file only its owner can read, and no error quotes it", () => {
    expect(readTokenFile(tokenFile())).toEqual({ ok: true, value: TOKEN });
    const open = tokenFile(`${TOKEN}\n`, 0o640);
    const refused = readTokenFile(open);
    expect(refused.ok ? "" : refused.error).toContain(`chmod 600 ${open}`);
    const junk = readTokenFile(tokenFile("not a token at all\n"));
    expect(junk.ok ? "" : junk.error).toContain("does not hold a bot token");
    expect(junk.ok ? "" : junk.error).not.toContain("not a token at all");
    const missing = readTokenFile("/nonexistent/token");
    expect(missing.ok ? "" : missing.error).toContain("does not exist");
    for (const r of [refused, junk]) expect(JSON.stringify(r)).not.toContain(TOKEN);
  });

  test("the profile's settings win over the environment's", () => {
    const fromEnv = tokenFile();
    const own = tokenFile("999:AAOwnOwnOwn\n");
    const c = env({ IAPEER_TELEGRAM_TOKEN_FILE: fromEnv, IAPEER_TELEGRAM_CHATS: "1" });
    const s = bridgeSettings(c.telegram, { tokenFile: own, chats: ["2"] }, "bot");
    expect(s.ok && { token: s.value.token, chats: s.value.chats }).toEqual({
      token: "999:AAOwnOwnOwn",
      chats: ["2"],
    });
    // None allowed: the bridge runs deaf (logging who writes, so a person finds their chat id).
    const none = bridgeSettings(env({ IAPEER_TELEGRAM_TOKEN_FILE: fromEnv }).telegram, {}, "bot");
    expect(none.ok && none.value.chats).toEqual([]);
    const missing = bridgeSettings(env({}).telegram, {}, "bot");
    expect(missing.ok ? "" : missing.error).toContain("iapeer set bot token-file=<path>");
  });
});

describe("doctor", () => {
  test("checks each bridge's token file and allow-list", () => {
    const sb = sandbox();
    const host = sb.host();
    const good = tokenFile();
    const open = tokenFile(`${TOKEN}\n`, 0o644);
    const bridges: [string, RuntimeSettings][] = [
      ["good", { tokenFile: good, chats: ["1"] }],
      ["sleepy", { tokenFile: good, chats: ["1"] }],
      ["open", { tokenFile: open, chats: ["1"] }],
      ["deaf", { tokenFile: good }],
      ["none", {}],
      ["own", { bin: "/opt/my-bridge" }],
    ];
    for (const [name, settings] of bridges) {
      const made = createPeer(host, {
        name,
        runtime: "telegram",
        settings,
        alwaysOn: name !== "sleepy",
      });
      if (!made.ok) throw new Error(made.error);
    }
    const checks = telegramChecks(sb.config, sb.layout);
    const by = Object.fromEntries(checks.map((c) => [c.check, c]));
    // A bridge of the user's own (bin) is not iapeer's to check.
    expect(Object.keys(by).sort()).toEqual([
      "telegram:deaf",
      "telegram:good",
      "telegram:none",
      "telegram:open",
      "telegram:sleepy",
    ]);
    expect(by["telegram:good"]).toMatchObject({ level: "ok" });
    // Asleep it hears no one: worth fixing, not blocking.
    expect(by["telegram:sleepy"]).toMatchObject({
      level: "warn",
      fix: "`iapeer set sleepy always-on=true`",
    });
    expect(by["telegram:open"]).toMatchObject({ level: "fail" });
    expect(by["telegram:open"]?.detail).toContain("mode 644");
    expect(by["telegram:deaf"]?.detail).toContain("no chat is allowed");
    expect(by["telegram:none"]?.detail).toBe("no bot token file");
    expect(JSON.stringify(checks)).not.toContain(TOKEN);
  });
});
