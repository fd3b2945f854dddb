import { describe, expect, test } from "bun:test";
import { buildEnvelope, type Envelope, type EnvelopeInput } from "../../src/codec/envelope";
import { extractEnvelopes } from "../../src/codec/extract";
import { pick, seeded } from "../helpers/random";

function envelope(n: number, body: string): { text: string; input: EnvelopeInput } {
  const input: EnvelopeInput = {
    id: `m${n}`,
    from: "ana",
    runtime: "echo",
    intelligence: "absent",
    ts: "2026-11-24T12:00:00.000Z",
    body,
  };
  const r = buildEnvelope(input);
  if (!r.ok) throw new Error(r.error);
  return { text: r.value, input };
}

/** Feed `stream` in the given chunk sizes, the way a pipe or a pane log delivers it. */
function feed(
  stream: string,
  sizes: number[],
): { envelopes: Envelope[]; errors: string[]; rest: string } {
  let buffer = "";
  const envelopes: Envelope[] = [];
  const errors: string[] = [];
  let i = 0;
  let k = 0;
  while (i < stream.length) {
    const size = sizes[k++ % sizes.length] ?? 1;
    buffer += stream.slice(i, i + size);
    i += size;
    const out = extractEnvelopes(buffer);
    envelopes.push(...out.envelopes);
    errors.push(...out.errors);
    buffer = out.rest;
  }
  return { envelopes, errors, rest: buffer };
}

const BODIES = [
  "plain",
  "quotes \" ' and <angles> & amps",
  'a body that quotes </iapeer-message> and <iapeer-message from="x"> inside',
  "]]> and <![CDATA[ nested ]]>",
  "Привет 🚀 中文",
  "multi\nline\n\ttabbed",
];

describe("stream extraction", () => {
  const parts = BODIES.map((body, i) => envelope(i, body));
  const stream = `noise before ${parts.map((p) => p.text).join("\nbetween\n")} trailing <iapeer-mes`;

  test("one buffer: every envelope, in order, with the partial start tag kept", () => {
    const out = extractEnvelopes(stream);
    expect(out.envelopes.map((e) => e.id)).toEqual(parts.map((p) => p.input.id));
    expect(out.envelopes.map((e) => e.body)).toEqual(BODIES);
    expect(out.errors).toEqual([]);
    expect(out.rest).toBe("<iapeer-mes");
  });

  test("arbitrary chunk boundaries give the same envelopes", () => {
    const rand = seeded(7);
    for (let run = 0; run < 150; run++) {
      const sizes = Array.from(
        { length: 9 },
        () => 1 + Math.floor(rand() * pick(rand, [3, 40, 400])),
      );
      const out = feed(stream, sizes);
      expect(out.envelopes.map((e) => e.body)).toEqual(BODIES);
      expect(out.errors).toEqual([]);
      expect(out.rest).toBe("<iapeer-mes");
    }
  });

  test("byte-by-byte feeding works too", () => {
    const out = feed(stream, [1]);
    expect(out.envelopes.length).toBe(BODIES.length);
  });

  test("an incomplete envelope is kept whole as the tail", () => {
    const text = parts[2]?.text ?? "";
    const cut = text.slice(0, text.indexOf("</iapeer-message>") + 5);
    const out = extractEnvelopes(cut);
    expect(out.envelopes).toEqual([]);
    expect(out.rest).toBe(cut);
  });

  test("a tail open inside CDATA waits for the section to end", () => {
    const text = parts[3]?.text ?? "";
    const cut = text.slice(0, text.indexOf("nested") + 3);
    expect(extractEnvelopes(cut).rest).toBe(cut);
  });

  test("text with no envelope keeps nothing", () => {
    expect(extractEnvelopes("just prose, no tags").rest).toBe("");
    expect(extractEnvelopes("prose <").rest).toBe("<");
  });

  test("a stray start tag in prose does not swallow the envelope after it", () => {
    const real = parts[0]?.text ?? "";
    const out = extractEnvelopes(`see <iapeer-message> for the format. ${real}`);
    expect(out.envelopes.map((e) => e.id)).toEqual(["m0"]);
    expect(out.errors.length).toBe(1);
  });

  test("an unterminated envelope past the bound is discarded, with an error", () => {
    const huge = `<iapeer-message from="ana"${" ".repeat(1000)}`;
    const out = extractEnvelopes(huge, 100);
    expect(out.rest).toBe("");
    expect(out.errors[0]).toContain("discarded");
  });
});
