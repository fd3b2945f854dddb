import { describe, expect, test } from "bun:test";
import {
  makeIdentity,
  parseIdentity,
  validatePersonality,
  validateRuntime,
} from "../../src/core/names";
import { normalizeName } from "../../src/core/normalize-name";

describe("personality names", () => {
  test.each(["a", "ana", "code-reviewer", "a1", "x-", `a${"b".repeat(31)}`, "a--b"])(
    "accepts %p",
    (name) => expect(validatePersonality(name).ok).toBe(true),
  );
  test.each([
    "",
    "1abc",
    "-abc",
    "Ana",
    "ana smith",
    "ana_smith",
    "ana.smith",
    "ana/x",
    'a"b',
    "a'b",
    "a;b",
    "ünï",
    `a${"b".repeat(32)}`,
  ])("rejects %p with a one-line reason", (name) => {
    const r = validatePersonality(name);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain("invalid personality");
      expect(r.error).not.toContain("\n");
    }
  });
});

describe("runtime names", () => {
  test.each(["claude", "codex", "telegram", "command", "echo", "x", "gpt5"])("accepts %p", (rt) =>
    expect(validateRuntime(rt).ok).toBe(true),
  );
  test.each(["", "my-bot", "5x", "Claude", "a b", "a_b", "x".repeat(33)])("rejects %p", (rt) =>
    expect(validateRuntime(rt).ok).toBe(false),
  );
});

describe("identities", () => {
  test("are <runtime>-<personality>", () => {
    const id = makeIdentity("claude", "code-reviewer");
    expect(id.ok && id.value.identity).toBe("claude-code-reviewer");
  });

  test("split at the first hyphen, since runtimes have none", () => {
    const id = parseIdentity("claude-code-reviewer");
    expect(id.ok && id.value).toEqual({
      runtime: "claude",
      personality: "code-reviewer",
      identity: "claude-code-reviewer",
    });
  });

  test.each([
    "claude",
    "-ana",
    "claude-",
    "Claude-ana",
    "claude-1ana",
    "claude-ana smith",
    "a-b;c",
  ])("rejects %p", (id) => expect(parseIdentity(id).ok).toBe(false));

  test("never carry shell or tmux metacharacters", () => {
    for (const bad of ["ana$x", "ana`x`", "ana:x", "ana.x", "ana'x", 'ana"x', "ana x"]) {
      expect(makeIdentity("echo", bad).ok).toBe(false);
    }
  });
});

describe("normalizeName: a folder name becomes a personality", () => {
  test.each([
    ["My Project", "my-project"],
    ["code_reviewer", "code-reviewer"],
    ["  --Hello__World--  ", "hello-world"],
    ["Crème Brûlée", "creme-brulee"],
    ["Ærøskøbing Straße", "aeroskobing-strasse"],
    ["Привет мир", "privet-mir"],
    ["Агент Смит", "agent-smit"],
    ["Αθήνα", "athina"],
    ["ana.v2", "ana-v2"],
  ])("%p → %p", (folder, expected) => {
    const r = normalizeName(folder);
    expect(r.ok && r.value).toBe(expected);
  });

  test.each([
    ["中文项目", "zhong-wen-xiang-mu"],
    ["日本語", "ri-ben-yu"],
    ["한국어", "hangugeo"],
  ])("CJK is transliterated: %p → %p", (folder, expected) => {
    const r = normalizeName(folder);
    if (!r.ok) throw new Error(r.error);
    expect(r.value).toBe(expected);
    expect(validatePersonality(r.value).ok).toBe(true);
  });

  test.each(["123", "2024-notes", "42 agents"])("digits first: %p is an error", (folder) => {
    const r = normalizeName(folder);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("does not start with a letter");
  });

  test.each(["", "---", "🚀🚀", "___"])("nothing usable: %p is an error", (folder) => {
    const r = normalizeName(folder);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("nothing in it maps");
  });

  test("cuts to 32 characters and never ends on a hyphen", () => {
    const long = normalizeName(`${"a".repeat(31)} bcd`);
    expect(long.ok && long.value).toBe("a".repeat(31));
    const r = normalizeName("x".repeat(50));
    expect(r.ok && r.value).toBe("x".repeat(32));
  });

  test("is idempotent", () => {
    const folders = [
      "My Project",
      "Привет мир",
      "Αθήνα",
      `${"a".repeat(31)} bcd`,
      "x".repeat(40),
      "Crème--Brûlée__",
      "ab-".repeat(20),
    ];
    for (const folder of folders) {
      const once = normalizeName(folder);
      expect(once.ok).toBe(true);
      if (!once.ok) continue;
      const twice = normalizeName(once.value);
      expect(twice.ok && twice.value).toBe(once.value);
      expect(validatePersonality(once.value).ok).toBe(true);
    }
  });
});
