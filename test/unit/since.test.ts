import { describe, expect, test } from "bun:test";
import { parseSince, sinceForms } from "../../src/cli/since";

const now = new Date("2026-11-25T12:00:00.000Z");
const at = (text: string, ids = false) => {
  const r = parseSince(text, ids, now);
  if (!r.ok) throw new Error(r.error);
  return r.value.kind === "time" ? r.value.at.toISOString() : r.value.id;
};
const refused = (text: string, ids = false) => {
  const r = parseSince(text, ids, now);
  return r.ok ? undefined : r.error;
};

describe("--since", () => {
  test.each([
    ["30s", "2026-11-25T11:59:30.000Z"],
    ["10m", "2026-11-25T11:50:00.000Z"],
    ["2h", "2026-11-25T10:00:00.000Z"],
    ["1d", "2026-11-24T12:00:00.000Z"],
    ["1h30m", "2026-11-25T10:30:00.000Z"],
    ["0s", "2026-11-25T12:00:00.000Z"],
  ])("a duration %s goes back from now", (text, iso) => {
    expect(at(text)).toBe(iso);
  });

  test.each([
    ["2026-11-25T10:00:00Z", "2026-11-25T10:00:00.000Z"],
    ["2026-11-25T10:00Z", "2026-11-25T10:00:00.000Z"],
    ["2026-11-25T10:00:00.25Z", "2026-11-25T10:00:00.250Z"],
    ["2026-11-25T10:00:00+02:00", "2026-11-25T08:00:00.000Z"],
    ["2026-11-25T10:00:00-0130", "2026-11-25T11:30:00.000Z"],
  ])("an ISO time with a zone %s is that instant", (text, iso) => {
    expect(at(text)).toBe(iso);
  });

  test("an ISO time without a zone is local time, as journalctl reads it", () => {
    expect(at("2026-11-25T10:05")).toBe(new Date(2026, 10, 25, 10, 5).toISOString());
    expect(at("2026-11-25 10:05:07")).toBe(new Date(2026, 10, 25, 10, 5, 7).toISOString());
    expect(at("2026-11-25")).toBe(new Date(2026, 10, 25).toISOString());
  });

  test("a whole number is an event id where ids are taken, and refused elsewhere", () => {
    expect(at("42", true)).toBe(42);
    expect(at("0", true)).toBe(0);
    expect(refused("42")).toBe(sinceForms(false));
  });

  test.each([
    "",
    "soon",
    "10",
    "10x",
    "m10",
    "-5m",
    "1.5h",
    "2026-13-01",
    "2026-02-30",
    "2026-11-25T25:00",
    "2026-11-25T10:61",
    "25/11/2026",
  ])("%p is refused with the accepted forms", (text) => {
    expect(refused(text)).toBe(sinceForms(false));
  });

  test("the refusal names the forms, ids only where they are taken", () => {
    expect(sinceForms(true)).toContain("event id");
    expect(sinceForms(false)).not.toContain("event id");
    expect(sinceForms(false)).toContain("10m");
    expect(refused("soon", true)).toBe(sinceForms(true));
  });
});
