/** The small XML subset the envelope uses: escaped attributes and CDATA sections. */

const ATTR_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  "\n": "&#10;",
  "\t": "&#9;",
};

export function escapeAttr(value: string): string {
  return value.replace(/[&<>"'\n\t]/g, (ch) => ATTR_ESCAPES[ch] ?? ch);
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function unescapeAttr(value: string): string | undefined {
  let bad = false;
  const out = value.replace(
    /&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|&/g,
    (whole, ref: string | undefined) => {
      if (ref === undefined) {
        bad = true;
        return whole;
      }
      if (ref.startsWith("#")) {
        const code =
          ref[1] === "x" ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
        if (!Number.isInteger(code) || code > 0x10ffff) {
          bad = true;
          return whole;
        }
        return String.fromCodePoint(code);
      }
      const named = NAMED[ref];
      if (named === undefined) bad = true;
      return named ?? whole;
    },
  );
  return bad ? undefined : out;
}

const CDATA_OPEN = "<![CDATA[";
const CDATA_CLOSE = "]]>";

/** A literal `]]>` is split across two sections: `]]` ends one, `>` starts the next. */
export function cdata(text: string): string {
  return `${CDATA_OPEN}${text.replaceAll(CDATA_CLOSE, `]]${CDATA_CLOSE}${CDATA_OPEN}>`)}${CDATA_CLOSE}`;
}

/**
 * Read one or more adjacent CDATA sections starting at `from`; returns their joined text and the
 * index after the last, or undefined when there is none or one is unterminated.
 */
export function readCdata(text: string, from: number): { value: string; end: number } | undefined {
  let i = from;
  let value = "";
  let sections = 0;
  while (text.startsWith(CDATA_OPEN, i)) {
    const close = text.indexOf(CDATA_CLOSE, i + CDATA_OPEN.length);
    if (close < 0) return undefined;
    value += text.slice(i + CDATA_OPEN.length, close);
    i = close + CDATA_CLOSE.length;
    sections++;
  }
  return sections === 0 ? undefined : { value, end: i };
}

export { CDATA_CLOSE, CDATA_OPEN };
