import { describe, expect, test } from "bun:test";
import { formatAddress, isLocal, parseAddress, resolveAddress } from "../../src/core/address";

function parsed(text: string) {
  const r = parseAddress(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function refusal(text: string): string {
  const r = parseAddress(text);
  if (r.ok) throw new Error(`expected ${JSON.stringify(text)} to be refused`);
  return r.error;
}

describe("peer addresses", () => {
  test("a bare name is a personality with no host", () => {
    expect(parsed("ana")).toEqual({ personality: "ana" });
    expect(parsed("code-reviewer")).toEqual({ personality: "code-reviewer" });
  });

  test("personality@host", () => {
    expect(parsed("ana@mini2")).toEqual({ personality: "ana", host: "mini2" });
    const longest = `${"a".repeat(32)}@${"b".repeat(32)}`;
    expect(formatAddress(parsed(longest))).toBe(longest);
  });

  test("format gives back what parse took", () => {
    for (const text of ["ana", "ana@mini2", "x-1@linux-box"]) {
      expect(formatAddress(parsed(text))).toBe(text);
    }
  });

  test.each([
    ["", "a personality is"],
    ["@mini2", "a personality is"],
    ["ana@", "a host name is"],
    ["@", "a personality is"],
    ["ana@mini2@x", 'with one "@"'],
    ["ana@@mini2", 'with one "@"'],
    ["Ana@mini2", "a personality is"],
    ["ana@Mini2", "a host name is"],
    ["ana@mini2.local", "a host name is"],
    ["ana @mini2", "a personality is"],
    ["ana@ mini2", "a host name is"],
    ["ana@mini2 ", "a host name is"],
    ["ana@mini2\n", "a host name is"],
    ["ana\n@mini2", "a personality is"],
    ["ana@*", "a host name is"],
    ["ana@>", "a host name is"],
    ["*@mini2", "a personality is"],
    ["ana@mini2;rm -rf /", "a host name is"],
    ["ana@mïni", "a host name is"],
    ["ana@2mini", "a host name is"],
    ["ana@-mini", "a host name is"],
    [`ana@${"b".repeat(33)}`, "a host name is"],
    [`${"a".repeat(33)}@mini2`, "a personality is"],
    ["ana@mini2\u0000", "a host name is"],
    ["ana\u200b@mini2", "a personality is"],
  ])("%j is refused (%s) in one line", (text, why) => {
    const e = refusal(text);
    expect(e).toStartWith("invalid peer ");
    expect(e).toContain(why);
    expect(e).not.toContain("\n");
  });

  test("a flood is quoted cut short", () => {
    const e = refusal(`${"a".repeat(10_000)}@x`);
    expect(e.length).toBeLessThan(400);
    expect(e).toContain("…");
  });

  test("local: a bare name or this host's", () => {
    expect(isLocal(parsed("ana"), "mini2")).toBe(true);
    expect(isLocal(parsed("ana@mini2"), "mini2")).toBe(true);
    expect(isLocal(parsed("ana@linux"), "mini2")).toBe(false);
  });
});

describe("resolving a bare name", () => {
  const directory: Record<string, string[]> = {
    ana: ["linux"],
    bob: ["linux", "studio"],
    eve: ["mini2"],
  };
  const resolve = (text: string, local: string[] = []) =>
    resolveAddress(
      parsed(text),
      "mini2",
      (p) => local.includes(p),
      (p) => directory[p] ?? [],
    );

  test("this host's peer first", () => {
    expect(resolve("ana", ["ana"])).toEqual({
      ok: true,
      value: { personality: "ana", host: "mini2" },
    });
  });

  test("else the one host that has it", () => {
    expect(resolve("ana")).toEqual({ ok: true, value: { personality: "ana", host: "linux" } });
  });

  test("several hosts: an error naming each address", () => {
    expect(resolve("bob")).toEqual({
      ok: false,
      error: '"bob" names a peer on several hosts: say which (bob@linux, bob@studio)',
    });
    expect(resolve("bob@studio")).toEqual({
      ok: true,
      value: { personality: "bob", host: "studio" },
    });
  });

  test("none: no such peer; the directory's entry of this very host does not count", () => {
    expect(resolve("zed")).toEqual({ ok: false, error: 'no peer named "zed" on any host' });
    expect(resolve("eve").ok).toBe(false);
  });

  test("an explicit host is taken as it is", () => {
    expect(resolve("ana@mini2", [])).toEqual({
      ok: true,
      value: { personality: "ana", host: "mini2" },
    });
  });
});
