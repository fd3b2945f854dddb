/** POSIX sh single quotes: everything literal; a `'` is closed, escaped and reopened. */
export function shQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * A tmux double-quoted string. Inside tmux double quotes `\` escapes and `$` expands environment
 * variables, so both are escaped, as are `"` and newlines; `#{…}` formats pass through.
 */
export function tmuxQuote(text: string): string {
  const escaped = text.replace(/[\\"$\n]/g, (ch) => (ch === "\n" ? "\\n" : `\\${ch}`));
  return `"${escaped}"`;
}

/**
 * One argument as a tmux command line would have to spell it to mean exactly these bytes: a
 * double-quoted string where everything but letters, digits and a few plain marks is an octal
 * escape, so no `$`, `~`, `#`, quote, newline or control byte is read as syntax. A lone `;`
 * stays the command separator it is in an argv.
 */
export function tmuxLiteral(arg: string): string {
  if (arg === ";") return ";";
  let out = '"';
  for (const byte of new TextEncoder().encode(arg))
    out += PLAIN[byte] ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, "0")}`;
  return `${out}"`;
}

const PLAIN: boolean[] = Array.from(
  { length: 256 },
  (_, b) => /[A-Za-z0-9 _\-=:./,@+]/.test(String.fromCharCode(b)) && b < 128,
);
