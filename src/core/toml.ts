/** Writing TOML values: Bun parses TOML but has no writer. */

const TOML_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\f": "\\f",
  "\r": "\\r",
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: TOML forbids them raw in a string
const TOML_NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f]/g;

/** A TOML basic string. JSON.stringify is close but lets DEL through, which TOML forbids. */
export function tomlString(value: string): string {
  const escaped = value.replace(
    TOML_NEEDS_ESCAPE,
    (c) => TOML_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `"${escaped}"`;
}
