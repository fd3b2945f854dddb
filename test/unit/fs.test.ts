import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensurePrivateDir, writeFileAtomic } from "../../src/core/fs";
import { tempDir } from "../helpers/temp";

describe("writeFileAtomic", () => {
  test("writes a private file and leaves no temp file behind", () => {
    const dir = tempDir();
    const path = join(dir, "peer.json");
    expect(writeFileAtomic(path, '{"a":1}').ok).toBe(true);
    expect(readFileSync(path, "utf8")).toBe('{"a":1}');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["peer.json"]);
  });

  test("replaces existing content whole", () => {
    const dir = tempDir();
    const path = join(dir, "x");
    writeFileSync(path, "old content that is longer");
    expect(writeFileAtomic(path, "new").ok).toBe(true);
    expect(readFileSync(path, "utf8")).toBe("new");
  });

  test("a failed write is a value and leaves what was there and no temp", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "x"), "old");
    mkdirSync(join(dir, "x.d"));
    // Renaming a file over a directory fails after the temp file was written.
    const r = writeFileAtomic(join(dir, "x.d"), "new");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("cannot write");
    expect(readdirSync(dir).sort()).toEqual(["x", "x.d"]);
    expect(readFileSync(join(dir, "x"), "utf8")).toBe("old");
    expect(writeFileAtomic(join(dir, "missing", "x"), "new").ok).toBe(false);
  });
});

describe("ensurePrivateDir", () => {
  test("creates nested dirs 0700 and tightens an existing one", () => {
    const dir = tempDir();
    const nested = join(dir, "a", "b");
    expect(ensurePrivateDir(nested).ok).toBe(true);
    expect(statSync(nested).mode & 0o777).toBe(0o700);
    chmodSync(nested, 0o755);
    expect(ensurePrivateDir(nested).ok).toBe(true);
    expect(statSync(nested).mode & 0o777).toBe(0o700);
  });

  test("refuses a file in the way, and a dir owned by someone else", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "f"), "");
    expect(ensurePrivateDir(join(dir, "f")).ok).toBe(false);
    const other = ensurePrivateDir(dir, (process.getuid?.() ?? 0) + 1);
    expect(other.ok).toBe(false);
    if (!other.ok) expect(other.error).toContain("not by you");
  });
});
