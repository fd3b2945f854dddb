/**
 * Names, descriptions and settings are one line of printable text: they reach terminals (`list`,
 * `status`, an envelope typed into an agent), logs and command lines, where an ESC or a newline
 * could redraw a screen or forge a record.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/gu;

/** Text to show on one line of a terminal: each control character written as `\u001b`. */
export const printable = (text: string): string =>
  text.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

const NAMES: Record<number, string> = { 9: "TAB", 10: "LF", 13: "CR", 27: "ESC", 127: "DEL" };

/** Why a one-line setting is refused (naming the character), or undefined when it is fine. */
export function controlCharProblem(label: string, text: string): string | undefined {
  const found = CONTROL.exec(text);
  if (!found) return undefined;
  const code = found[0].charCodeAt(0);
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  const name = NAMES[code];
  return `${label} holds a control character (${name ? `${name}, ` : ""}${hex}): it must be one line of printable text`;
}
