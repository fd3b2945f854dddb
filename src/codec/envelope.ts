import { parseAddress } from "../core/address";
import { validateHostName, validatePersonality, validateRuntime } from "../core/names";
import { fail, ok, type Result } from "../core/result";
import {
  charCount,
  MAX_ATTACHMENT_PATH_BYTES,
  MAX_ATTACHMENTS,
  MAX_BODY_CHARS,
  MAX_TOPIC_CHARS,
} from "./limits";
import { isTerminalSafe, terminalSafe } from "./terminal-safe";
import { cdata, escapeAttr, readCdata, unescapeAttr } from "./xml";

/**
 * The envelope is how a message looks when it is typed into a peer's terminal:
 *
 *   <iapeer-message id="…" from="ana" runtime="claude" intelligence="artificial" host="mini2" kind="agent" ts="…" topic="…">
 *   <attachment><![CDATA[/abs/path]]></attachment>
 *   <body><![CDATA[text]]></body>
 *   </iapeer-message>
 *
 * Free text (topic, body) is made terminal-safe before it is encoded; decoding is the exact
 * inverse of the encoding, so decode(build(m)) gives back m with its text made terminal-safe.
 */

export const ENVELOPE_TAG = "iapeer-message";
export const INTELLIGENCES = ["artificial", "natural", "absent"] as const;
export type Intelligence = (typeof INTELLIGENCES)[number];

/**
 * Who sent it, so that a receiving agent can weigh it: a person at a CLI, an agent, or a bridge
 * (telegram) relaying people it cannot vouch for.
 */
const SENDER_KINDS = ["person", "agent", "bridge"] as const;
type SenderKind = (typeof SENDER_KINDS)[number];

/** The kind of a sender, by the runtime it sends from (`cli`: the person at iapeer's CLI). */
function senderKind(runtime: string): SenderKind {
  if (runtime === "cli") return "person";
  return runtime === "telegram" ? "bridge" : "agent";
}

export interface EnvelopeInput {
  id?: string;
  from: string;
  runtime: string;
  intelligence: Intelligence;
  /** The sender's host, when it is known (always in a mesh). */
  host?: string;
  /** Default: by the runtime (senderKind). */
  kind?: SenderKind;
  ts: string;
  topic?: string;
  attachments?: readonly string[];
  body: string;
}

/** A decoded envelope: the input with its text made terminal-safe and attachments always present. */
export type Envelope = Omit<EnvelopeInput, "attachments"> & { attachments: string[] };

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const TS_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function checkAttachment(path: string, index: number): string | undefined {
  const label = `attachment ${index + 1}`;
  if (!path.startsWith("/"))
    return `${label} must be an absolute path (got ${JSON.stringify(path)})`;
  if (/[\n\r]/.test(path)) return `${label} must not contain a newline`;
  if (!isTerminalSafe(path)) return `${label} must not contain control characters`;
  if (Buffer.byteLength(path) > MAX_ATTACHMENT_PATH_BYTES) {
    return `${label} is longer than ${MAX_ATTACHMENT_PATH_BYTES} bytes`;
  }
  return undefined;
}

/** Every check the envelope makes, shared by build and decode. */
function check(m: EnvelopeInput): string | undefined {
  if (m.id !== undefined && !ID_PATTERN.test(m.id)) {
    return `invalid message id ${JSON.stringify(m.id)}: use 1-64 characters A-Z, a-z, 0-9, "_" and "-"`;
  }
  // A sender of another host is `<name>@<host>`.
  const from = m.from.includes("@") ? parseAddress(m.from) : validatePersonality(m.from);
  if (!from.ok) return `sender: ${from.error}`;
  const runtime = validateRuntime(m.runtime);
  if (!runtime.ok) return `sender ${runtime.error}`;
  if (m.host !== undefined) {
    const host = validateHostName(m.host);
    if (!host.ok) return `sender's ${host.error}`;
  }
  if (m.kind !== undefined && !(SENDER_KINDS as readonly string[]).includes(m.kind))
    return `invalid sender kind ${JSON.stringify(m.kind)}: use ${SENDER_KINDS.join(", ")}`;
  if (!(INTELLIGENCES as readonly string[]).includes(m.intelligence)) {
    return `invalid intelligence ${JSON.stringify(m.intelligence)}: use ${INTELLIGENCES.join(", ")}`;
  }
  if (!TS_PATTERN.test(m.ts) || Number.isNaN(Date.parse(m.ts))) {
    return `invalid timestamp ${JSON.stringify(m.ts)}: use ISO-8601, e.g. 2026-01-31T12:00:00.000Z`;
  }
  if (m.topic !== undefined) {
    const problem = topicProblem(m.topic);
    if (problem) return problem;
  }
  const attachments = attachmentsProblem(m.attachments ?? []);
  if (attachments) return attachments;
  return bodyProblem(m.body);
}

/** What is wrong with a message's topic, in one line (the send schema says the same). */
export function topicProblem(topic: string): string | undefined {
  const chars = charCount(topic);
  return chars > MAX_TOPIC_CHARS
    ? `topic is ${chars} characters, the limit is ${MAX_TOPIC_CHARS}`
    : undefined;
}

/** What is wrong with a message's attachments, in one line. */
export function attachmentsProblem(attachments: readonly string[]): string | undefined {
  if (attachments.length > MAX_ATTACHMENTS)
    return `${attachments.length} attachments, the limit is ${MAX_ATTACHMENTS}`;
  for (const [i, path] of attachments.entries()) {
    const problem = checkAttachment(path, i);
    if (problem) return problem;
  }
  return undefined;
}

/** What is wrong with a message's body, in one line. */
export function bodyProblem(body: string): string | undefined {
  if (body.trim() === "") return "message body is empty";
  const chars = charCount(body);
  return chars > MAX_BODY_CHARS
    ? `message body is ${chars} characters, the limit is ${MAX_BODY_CHARS}; put the long content in a file and send its path`
    : undefined;
}

export function buildEnvelope(input: EnvelopeInput): Result<string> {
  const problem = check(input);
  if (problem) return fail(problem);
  const attrs: [string, string | undefined][] = [
    ["id", input.id],
    ["from", input.from],
    ["runtime", input.runtime],
    ["intelligence", input.intelligence],
    ["host", input.host],
    ["kind", input.kind ?? senderKind(input.runtime)],
    ["ts", input.ts],
    ["topic", input.topic === undefined ? undefined : terminalSafe(input.topic)],
  ];
  const open = attrs
    .filter((a): a is [string, string] => a[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
    .join("");
  const lines = [`<${ENVELOPE_TAG}${open}>`];
  for (const path of input.attachments ?? []) lines.push(`<attachment>${cdata(path)}</attachment>`);
  lines.push(`<body>${cdata(terminalSafe(input.body))}</body>`, `</${ENVELOPE_TAG}>`);
  return ok(lines.join("\n"));
}

const OPEN_TAG = new RegExp(`^<${ENVELOPE_TAG}((?:\\s+[a-z]+="[^"<]*")*)\\s*>`);
const ATTR = /([a-z]+)="([^"<]*)"/g;
const KNOWN_ATTRS = new Set([
  "id",
  "from",
  "runtime",
  "intelligence",
  "host",
  "kind",
  "ts",
  "topic",
]);

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i] as string)) i++;
  return i;
}

/** Read `<tag>CDATA…</tag>` at `i` (after optional whitespace). */
function readElement(
  text: string,
  i: number,
  tag: string,
): { value: string; end: number } | undefined {
  const start = skipSpace(text, i);
  if (!text.startsWith(`<${tag}>`, start)) return undefined;
  const content = readCdata(text, start + tag.length + 2);
  if (!content || !text.startsWith(`</${tag}>`, content.end)) return undefined;
  return { value: content.value, end: content.end + tag.length + 3 };
}

/** Decode exactly one envelope; surrounding whitespace is allowed, anything else is an error. */
export function decodeEnvelope(text: string): Result<Envelope> {
  const trimmed = text.trim();
  const open = OPEN_TAG.exec(trimmed);
  if (!open) return fail(`not an envelope: expected <${ENVELOPE_TAG} …> at the start`);
  const attrs: Record<string, string> = {};
  for (const [, key, raw] of (open[1] ?? "").matchAll(ATTR)) {
    const name = key as string;
    if (!KNOWN_ATTRS.has(name))
      return fail(`envelope has an unknown attribute ${JSON.stringify(name)}`);
    if (name in attrs) return fail(`envelope repeats the attribute ${JSON.stringify(name)}`);
    const value = unescapeAttr(raw as string);
    if (value === undefined) return fail(`envelope attribute ${name} has a malformed entity`);
    attrs[name] = value;
  }
  let i = open[0].length;
  const attachments: string[] = [];
  for (
    let el = readElement(trimmed, i, "attachment");
    el;
    el = readElement(trimmed, i, "attachment")
  ) {
    attachments.push(el.value);
    i = el.end;
  }
  const body = readElement(trimmed, i, "body");
  if (!body) return fail("envelope has no well-formed <body>");
  const close = skipSpace(trimmed, body.end);
  if (trimmed.slice(close) !== `</${ENVELOPE_TAG}>`) {
    return fail(`envelope does not end with </${ENVELOPE_TAG}> right after the body`);
  }
  const envelope: Envelope = {
    ...(attrs.id !== undefined && { id: attrs.id }),
    from: attrs.from ?? "",
    runtime: attrs.runtime ?? "",
    intelligence: (attrs.intelligence ?? "") as Intelligence,
    ...(attrs.host !== undefined && { host: attrs.host }),
    ...(attrs.kind !== undefined && { kind: attrs.kind as SenderKind }),
    ts: attrs.ts ?? "",
    ...(attrs.topic !== undefined && { topic: attrs.topic }),
    attachments,
    body: body.value,
  };
  const problem = check(envelope);
  return problem ? fail(`invalid envelope: ${problem}`) : ok(envelope);
}
