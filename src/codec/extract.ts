import { decodeEnvelope, ENVELOPE_TAG, type Envelope } from "./envelope";
import { CDATA_CLOSE, CDATA_OPEN } from "./xml";

const START = `<${ENVELOPE_TAG}`;
const END = `</${ENVELOPE_TAG}>`;

/** An unterminated envelope longer than this is noise, not a message still arriving. */
const MAX_PENDING_CHARS = 256 * 1024;

interface Extraction {
  envelopes: Envelope[];
  /** Why complete-looking envelopes were rejected, or pending text was discarded. */
  errors: string[];
  /** Keep this and prepend it to the next chunk. */
  rest: string;
}

/** The longest end of `text` that could be the beginning of the start tag. */
function partialStart(text: string): string {
  for (let n = Math.min(START.length - 1, text.length); n > 0; n--) {
    if (START.startsWith(text.slice(-n))) return text.slice(-n);
  }
  return "";
}

/** Where the envelope starting at `start` ends, or -1 while it is incomplete. CDATA is skipped. */
function findEnd(buffer: string, start: number): number {
  let i = start + START.length;
  for (;;) {
    const close = buffer.indexOf(END, i);
    const section = buffer.indexOf(CDATA_OPEN, i);
    if (close < 0) return -1;
    if (section < 0 || close < section) return close + END.length;
    const sectionEnd = buffer.indexOf(CDATA_CLOSE, section + CDATA_OPEN.length);
    if (sectionEnd < 0) return -1;
    i = sectionEnd + CDATA_CLOSE.length;
  }
}

/**
 * Pull every complete envelope out of a stream buffer. Text between envelopes is dropped; an
 * incomplete envelope at the end is returned as `rest`, so chunks can split anywhere.
 */
export function extractEnvelopes(buffer: string, maxPending = MAX_PENDING_CHARS): Extraction {
  const envelopes: Envelope[] = [];
  const errors: string[] = [];
  let pos = 0;
  for (;;) {
    const start = buffer.indexOf(START, pos);
    if (start < 0) return { envelopes, errors, rest: partialStart(buffer.slice(pos)) };
    const end = findEnd(buffer, start);
    if (end < 0) {
      if (buffer.length - start <= maxPending) {
        return { envelopes, errors, rest: buffer.slice(start) };
      }
      errors.push(`discarded ${buffer.length - start} characters of an unterminated envelope`);
      pos = start + 1;
      continue;
    }
    const decoded = decodeEnvelope(buffer.slice(start, end));
    if (decoded.ok) {
      envelopes.push(decoded.value);
      pos = end;
    } else {
      // A stray start tag in prose must not swallow a real envelope that follows it.
      errors.push(decoded.error);
      pos = start + 1;
    }
  }
}
