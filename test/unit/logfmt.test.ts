import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EventLog } from "../../src/core/event-log";
import { formatLine, formatValue, parseLine } from "../../src/core/logfmt";
import { tempDir } from "../helpers/temp";

const NOW = new Date("2026-11-24T12:00:00.000Z");

describe("logfmt lines", () => {
  test("ts and ev come first, plain values stay bare", () => {
    expect(
      formatLine("session-exit", { identity: "echo-ana", dead_status: 0, dead_signal: "" }, NOW),
    ).toBe(
      "ts=2026-11-24T12:00:00.000Z ev=session-exit identity=echo-ana dead_status=0 dead_signal=",
    );
  });

  test.each([
    ["has space", '"has space"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["a=b", '"a=b"'],
    ["back\\slash", '"back\\\\slash"'],
    ["two\nlines", '"two\\nlines"'],
    ["tab\there", '"tab\\there"'],
    ["esc\u001b", '"esc\\u001b"'],
    ["ünïcödé", "ünïcödé"],
    ["", ""],
  ])("%p is written as %s", (value, expected) => {
    expect(formatValue(value)).toBe(expected);
  });

  test("null, undefined and booleans", () => {
    expect(formatValue(null)).toBe("");
    expect(formatValue(undefined)).toBe("");
    expect(formatValue(true)).toBe("true");
  });

  test("a record is always one line and parses back", () => {
    const fields = {
      a: "x y",
      b: 'q"q',
      c: "k=v",
      d: "l1\nl2\r\n",
      e: "\\",
      f: "",
      g: "\u0000\u007f",
      h: "plain",
    };
    const line = formatLine("test", fields, NOW);
    expect(line).not.toContain("\n");
    expect(parseLine(line)).toEqual({ ts: NOW.toISOString(), ev: "test", ...fields });
  });

  test("unsafe keys are rewritten, ts and ev cannot be overridden", () => {
    const line = formatLine("x", { "bad key": 1, "9lives": 2, ts: "fake", ev: "fake" }, NOW);
    expect(line).toBe("ts=2026-11-24T12:00:00.000Z ev=x bad_key=1 _9lives=2");
  });
});

describe("EventLog", () => {
  test("appends lines and creates a private file", () => {
    const dir = tempDir();
    const log = new EventLog(join(dir, "logs", "lifecycle.log"));
    expect(log.write("wake", { identity: "echo-ana", mode: "fresh" }, NOW)).toBe(true);
    expect(log.write("sleep", { identity: "echo-ana", reason: "idle" }, NOW)).toBe(true);
    const lines = readFileSync(log.path, "utf8").trimEnd().split("\n");
    expect(lines).toEqual([
      "ts=2026-11-24T12:00:00.000Z ev=wake identity=echo-ana mode=fresh",
      "ts=2026-11-24T12:00:00.000Z ev=sleep identity=echo-ana reason=idle",
    ]);
    expect(statSync(log.path).mode & 0o777).toBe(0o600);
  });

  test("rotates at the size bound and keeps the configured number of files", () => {
    const dir = tempDir();
    const path = join(dir, "delivery.log");
    const log = new EventLog(path, { maxBytes: 1000, files: 3 });
    const line = formatLine("deliver", { n: "0".repeat(50) }, NOW).length + 1;
    for (let i = 0; i < 200; i++) log.write("deliver", { n: String(i).padStart(50, "0") }, NOW);
    expect(readdirSync(dir).sort()).toEqual(["delivery.log", "delivery.log.1", "delivery.log.2"]);
    for (const file of readdirSync(dir)) {
      expect(statSync(join(dir, file)).size).toBeLessThanOrEqual(1000);
    }
    expect(statSync(`${path}.1`).size).toBeGreaterThan(1000 - line);
    // The newest record is in the live file, the rotated ones are strictly older.
    const last = parseLine(readFileSync(path, "utf8").trimEnd().split("\n").at(-1) ?? "");
    expect(last.n).toBe(String(199).padStart(50, "0"));
    const older = readFileSync(`${path}.1`, "utf8").trimEnd().split("\n").at(-1) ?? "";
    expect(Number(parseLine(older).n)).toBeLessThan(199);
  });

  test("with one file, rotation starts the file over", () => {
    const dir = tempDir();
    const log = new EventLog(join(dir, "x.log"), { maxBytes: 200, files: 1 });
    for (let i = 0; i < 20; i++) log.write("e", { i }, NOW);
    expect(readdirSync(dir)).toEqual(["x.log"]);
    expect(statSync(log.path).size).toBeLessThanOrEqual(200);
  });

  test("a write into an unwritable place (a file where its directory goes) does not throw and reports why", () => {
    const dir = tempDir();
    const blocker = join(dir, "file");
    writeFileSync(blocker, "not a dir");
    const log = new EventLog(join(blocker, "sub", "x.log"));
    expect(() => log.write("e")).not.toThrow();
    expect(log.write("e")).toBe(false);
    expect(log.lastError).toBeString();
    expect(readFileSync(blocker, "utf8")).toBe("not a dir");
  });

  test("a log that cannot be opened (a directory where the file goes) does not throw and reports why", () => {
    // Root ignores permission bits, so the unwritable case is one no uid can write.
    const dir = tempDir();
    mkdirSync(join(dir, "x.log"));
    const log = new EventLog(join(dir, "x.log"));
    expect(() => log.write("e")).not.toThrow();
    expect(log.write("e")).toBe(false);
    expect(log.lastError).toContain("EISDIR");
    expect(statSync(join(dir, "x.log")).isDirectory()).toBe(true);
    expect(readdirSync(join(dir, "x.log"))).toEqual([]);
    // Once it can be written again, it is.
    rmdirSync(join(dir, "x.log"));
    expect(log.write("e", { n: 1 })).toBe(true);
    expect(log.lastError).toBeUndefined();
    expect(parseLine(readFileSync(join(dir, "x.log"), "utf8").trim()).n).toBe("1");
  });
});
