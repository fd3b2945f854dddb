import { describe, expect, test } from "bun:test";
import { InputParser } from "../../src/agent/input";
import { buildEnvelope, decodeEnvelope, type EnvelopeInput } from "../../src/codec/envelope";
import { charCount, MAX_BODY_CHARS } from "../../src/codec/limits";
import { isTerminalSafe, terminalSafe } from "../../src/codec/terminal-safe";
import { pick, seeded } from "../helpers/random";

const base: EnvelopeInput = {
  from: "ana",
  runtime: "claude",
  intelligence: "artificial",
  ts: "2026-11-24T12:00:00.000Z",
  body: "hello",
};

function build(input: Partial<EnvelopeInput>): string {
  const r = buildEnvelope({ ...base, ...input });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function buildError(input: Partial<EnvelopeInput>): string {
  const r = buildEnvelope({ ...base, ...input });
  if (r.ok) throw new Error("expected an error");
  return r.error;
}

const FRAGMENTS = [
  "plain words ",
  '"double" ',
  "'single' ",
  '<tag attr="x"> ',
  "a < b && c > d ",
  "&amp; &lt; &#10; ",
  "]]>",
  "]]",
  "]",
  ">",
  "<![CDATA[",
  "</body>",
  "</iapeer-message>",
  '<iapeer-message from="evil">',
  "Привет, мир ",
  "Αθήνα ",
  "中文 ",
  "🚀🧪👩‍💻 ",
  "\r\n",
  "\n",
  "\t",
  "\r",
  "\u001b[31mred\u001b[0m",
  "\u001b[201~",
  "\u0000\u0007\u007f\u0085\u009b",
  "  ",
  "\\",
];

function generate(rand: () => number, maxParts: number): string {
  const n = 1 + Math.floor(rand() * maxParts);
  let out = "x";
  for (let i = 0; i < n; i++) out += pick(rand, FRAGMENTS);
  return out;
}

describe("round trip", () => {
  test("a minimal envelope reads back exactly", () => {
    const text = build({});
    expect(text).toBe(
      [
        '<iapeer-message from="ana" runtime="claude" intelligence="artificial" kind="agent" ts="2026-11-24T12:00:00.000Z">',
        "<body><![CDATA[hello]]></body>",
        "</iapeer-message>",
      ].join("\n"),
    );
    const back = decodeEnvelope(text);
    expect(back.ok && back.value).toEqual({ ...base, kind: "agent", attachments: [] });
  });

  test("the sender's host and kind: a person at the CLI, an agent, a bridge", () => {
    const person = build({ from: "human", runtime: "cli", intelligence: "natural", host: "mini2" });
    expect(person).toContain(
      'from="human" runtime="cli" intelligence="natural" host="mini2" kind="person"',
    );
    expect(build({ runtime: "telegram" })).toContain('kind="bridge"');
    const back = decodeEnvelope(person);
    expect(back.ok && back.value).toMatchObject({ host: "mini2", kind: "person" });
    expect(decodeEnvelope(person.replace('kind="person"', 'kind="robot"')).ok).toBe(false);
    expect(decodeEnvelope(person.replace('host="mini2"', 'host="Mini 2"')).ok).toBe(false);
  });

  test("every field survives, attributes entity-escaped", () => {
    const input: EnvelopeInput = {
      ...base,
      id: "m_01-abc",
      topic: 'plans & "ideas" <draft>\nline two\tend',
      attachments: ["/tmp/a b/c.txt", "/x/]]>y", "/Привет/файл"],
      body: "see <attached> & ]]> done",
    };
    const text = build(input);
    expect(text).toContain(
      'topic="plans &amp; &quot;ideas&quot; &lt;draft&gt;&#10;line two&#9;end"',
    );
    const back = decodeEnvelope(text);
    expect(back.ok && back.value).toEqual({
      ...input,
      kind: "agent",
      attachments: [...(input.attachments ?? [])],
    });
  });

  test("a generated corpus round-trips to its terminal-safe form", () => {
    const rand = seeded(20261124);
    for (let i = 0; i < 600; i++) {
      const body = generate(rand, 40);
      const topic = rand() < 0.5 ? generate(rand, 6).slice(0, 200) : undefined;
      const input: EnvelopeInput = { ...base, body, ...(topic !== undefined && { topic }) };
      const text = build(input);
      expect(isTerminalSafe(text)).toBe(true);
      const back = decodeEnvelope(text);
      if (!back.ok) throw new Error(`case ${i}: ${back.error}`);
      expect(back.value.body).toBe(terminalSafe(body));
      expect(back.value.topic).toBe(topic === undefined ? undefined : terminalSafe(topic));
    }
  });

  test("a body at the 16,000-character limit round-trips, emoji counted as one", () => {
    const body = "🚀".repeat(MAX_BODY_CHARS);
    expect(charCount(body)).toBe(MAX_BODY_CHARS);
    const back = decodeEnvelope(build({ body }));
    expect(back.ok && back.value.body).toBe(body);
  });

  test("]]> is split so that no section ends early", () => {
    const text = build({ body: "a]]>b]]>]]>c" });
    expect(text).toContain(
      "<body><![CDATA[a]]]]><![CDATA[>b]]]]><![CDATA[>]]]]><![CDATA[>c]]></body>",
    );
    const back = decodeEnvelope(text);
    expect(back.ok && back.value.body).toBe("a]]>b]]>]]>c");
  });

  test("line endings from a bracketed paste (CR for LF, or CRLF) still decode", () => {
    // A terminal sends the newlines of a paste as CR: what a peer's input reader makes of the
    // pasted envelope must decode to the body that was sent.
    for (const eol of ["\r", "\r\n"]) {
      const text = build({ body: "one\ntwo\n\nthree" }).replaceAll("\n", eol);
      expect(text.includes("\r")).toBe(true);
      if (eol === "\r") expect(text.includes("\n")).toBe(false);
      const events = new InputParser().feed(`\u001b[200~${text}\u001b[201~`);
      expect(events.length).toBe(1);
      const pasted = events[0];
      if (pasted?.type !== "paste") throw new Error(`expected a paste, got ${pasted?.type}`);
      const back = decodeEnvelope(pasted.text);
      if (!back.ok) throw new Error(back.error);
      expect(back.value.body).toBe("one\ntwo\n\nthree");
      expect(back.value.from).toBe("ana");
    }
  });
});

describe("terminal safety", () => {
  test("ESC and other controls never reach the terminal; \\n and \\t do", () => {
    const text = build({ body: "a\u001b[201~b\u0007c\u009bd\u007fe\tf\ng", topic: "t\u001bx" });
    const controls = [...text].filter((ch) => {
      const c = ch.charCodeAt(0);
      return (c < 0x20 && ch !== "\n" && ch !== "\t") || (c >= 0x7f && c <= 0x9f);
    });
    expect(controls).toEqual([]);
    const back = decodeEnvelope(text);
    expect(back.ok && back.value.body).toBe("a\u241b[201~b\u2407c\ufffdd\u2421e\tf\ng");
    expect(back.ok && back.value.topic).toBe("t\u241bx");
  });

  test("CRLF and lone CR become LF", () => {
    expect(terminalSafe("a\r\nb\rc\n")).toBe("a\nb\nc\n");
  });

  test("text that is already safe is unchanged", () => {
    const safe = "plain\ttext\nwith ünïcödé and 🚀";
    expect(terminalSafe(safe)).toBe(safe);
    expect(isTerminalSafe(safe)).toBe(true);
    expect(isTerminalSafe("a\u001bb")).toBe(false);
  });
});

describe("limits are errors, never silent cuts", () => {
  test("body over 16,000 characters", () => {
    expect(buildError({ body: "x".repeat(MAX_BODY_CHARS + 1) })).toBe(
      "message body is 16001 characters, the limit is 16000; put the long content in a file and send its path",
    );
  });
  test("empty body", () => {
    expect(buildError({ body: " \n " })).toBe("message body is empty");
  });
  test("topic over 200 characters", () => {
    expect(buildError({ topic: "t".repeat(201) })).toBe(
      "topic is 201 characters, the limit is 200",
    );
    expect(buildEnvelope({ ...base, topic: "t".repeat(200) }).ok).toBe(true);
  });
  test("more than 20 attachments", () => {
    const paths = Array.from({ length: 21 }, (_, i) => `/f/${i}`);
    expect(buildError({ attachments: paths })).toBe("21 attachments, the limit is 20");
    expect(buildEnvelope({ ...base, attachments: paths.slice(0, 20) }).ok).toBe(true);
  });
  test.each([
    ["relative/path", "must be an absolute path"],
    ["/a\nb", "must not contain a newline"],
    ["/a\rb", "must not contain a newline"],
    ["/a\u001bb", "must not contain control characters"],
  ])("attachment %p", (path, expected) => {
    expect(buildError({ attachments: ["/ok", path] })).toContain(`attachment 2 ${expected}`);
  });
  test.each([
    [{ from: "Ana" }, "sender: invalid personality"],
    [{ runtime: "my-rt" }, "sender invalid runtime"],
    [{ intelligence: "robot" as never }, "invalid intelligence"],
    [{ ts: "yesterday" }, "invalid timestamp"],
    [{ id: "has space" }, "invalid message id"],
  ])("bad header %p", (input, expected) => {
    expect(buildError(input)).toContain(expected);
  });
});

describe("decoding refuses what is not exactly an envelope", () => {
  const good = build({ topic: "t" });
  test.each([
    ["", "not an envelope"],
    ["hello", "not an envelope"],
    [good.replace("</iapeer-message>", ""), "does not end with"],
    [`${good} trailing`, "does not end with"],
    [good.replace("<body>", "<bod>"), "no well-formed <body>"],
    [good.replace("]]></body>", "</body>"), "no well-formed <body>"],
    [good.replace('topic="t"', 'topic="t" extra="1"'), "unknown attribute"],
    [good.replace('topic="t"', 'topic="t" topic="u"'), "repeats the attribute"],
    [good.replace('topic="t"', 'topic="a&b"'), "malformed entity"],
    [good.replace('from="ana"', 'from="Ana"'), "invalid envelope: sender"],
    [good.replace(' from="ana"', ""), "invalid envelope: sender"],
  ])("case %#", (text, expected) => {
    const r = decodeEnvelope(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(expected);
  });
});
