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
