import { describe, expect, test } from "bun:test";
import { MAX_BODY_CHARS } from "../../src/codec/limits";
import { decodeWire, encodeWire, MAX_WIRE_BYTES, type WireMessage } from "../../src/mesh/wire";
import { newMessageId } from "../../src/transport/messages";

const ID = newMessageId(Date.parse("2026-11-25T12:00:00Z"));
const message = (more: Partial<WireMessage> = {}): WireMessage => ({
  v: 1,
  id: ID,
  from: { personality: "ana", host: "mini2", runtime: "claude", intelligence: "artificial" },
  to: { personality: "bob", host: "linux" },
  body: "hello",
  attachments: [],
  createdAt: "2026-11-25T12:00:00.000Z",
  ...more,
});

const bytes = (text: string) => new TextEncoder().encode(text);

function decoded(m: WireMessage) {
  const wire = encodeWire(m);
  if (!wire.ok) throw new Error(wire.error);
  return decodeWire(bytes(wire.value));
}

/** Decode what a hostile host could put on the wire, skipping the sender's own check. */
const raw = (value: unknown) => decodeWire(bytes(JSON.stringify(value)));

describe("messages across hosts", () => {
  test("round-trip, with every optional field", () => {
    const full = message({
      runtime: "codex",
      topic: "review",
      attachments: ["/srv/a.txt"],
      expiresAt: "2026-11-26T12:00:00.000Z",
      body: "multi\nline 🚀",
      from: { personality: "human", host: "mini2", runtime: "cli", intelligence: "natural" },
    });
    expect(decoded(full)).toEqual({ ok: true, value: full });
    expect(decoded(message())).toEqual({ ok: true, value: message() });
  });

  test("a body of the limit passes, counted in characters, one over does not", () => {
    expect(decoded(message({ body: "🚀".repeat(MAX_BODY_CHARS) })).ok).toBe(true);
    const over = encodeWire(message({ body: "x".repeat(MAX_BODY_CHARS + 1) }));
    expect(over).toEqual({
      ok: false,
      // The same words as a local send's refusal: one schema for both (codec/send-input.ts).
      error: `not a message for another host: body: message body is ${MAX_BODY_CHARS + 1} characters, the limit is ${MAX_BODY_CHARS}; put the long content in a file and send its path`,
    });
  });

  test("unknown fields are dropped, never carried into the queue", () => {
    const r = decodeWire(
      bytes(`{"__proto__":{"x":1},"evil":1,${JSON.stringify(message()).slice(1)}`),
    );
    expect(r.ok && Object.keys(r.value).sort()).toEqual(Object.keys(message()).sort());
  });

  test.each([
    ["a made-up id", { id: "m_1_../../etc" }],
    ["an id with a quote", { id: 'm_abc_"0123456789abcdef' }],
    ["another version", { v: 2 }],
    ["a sender host with a dot", { from: { ...message().from, host: "mini2.lan" } }],
    ["a wildcard recipient", { to: { personality: "*", host: "linux" } }],
    ["a recipient host >", { to: { personality: "bob", host: ">" } }],
    ["a bad runtime", { runtime: "Claude" }],
    ["a long topic", { topic: "t".repeat(201) }],
    ["a relative attachment", { attachments: ["a.txt"] }],
    ["an attachment with a newline", { attachments: ["/a\n/b"] }],
    ["21 attachments", { attachments: Array.from({ length: 21 }, (_, i) => `/f${i}`) }],
    ["a date that is not ISO", { createdAt: "yesterday" }],
    ["a body that is not text", { body: 42 }],
    ["no body", { body: undefined }],
    ["an unknown intelligence", { from: { ...message().from, intelligence: "alien" } }],
  ])("%s is refused", (_what, change) => {
    const r = raw({ ...message(), ...change });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toStartWith("a message from another host is invalid:");
  });

  test("not JSON, not UTF-8, or too big: refused before parsing", () => {
    expect(decodeWire(bytes("{nope"))).toEqual({
      ok: false,
      error: "a message from another host is not JSON in UTF-8",
    });
    expect(decodeWire(new Uint8Array([0x7b, 0xff, 0x7d])).ok).toBe(false);
    const huge = decodeWire(new Uint8Array(MAX_WIRE_BYTES + 1));
    expect(huge.ok).toBe(false);
    if (!huge.ok) expect(huge.error).toContain(`over ${MAX_WIRE_BYTES}`);
  });
});
