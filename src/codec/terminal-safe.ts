/**
 * Text that is typed into a terminal must carry no control characters but `\n` and `\t`: an ESC
 * in a message could end a bracketed paste early and turn the rest into keystrokes. Line endings
 * become `\n`; any other C0 control or DEL becomes its visible Control Pictures symbol (U+2400…)
 * and a C1 control becomes U+FFFD, so the recipient sees that something was there.
 *
 * The envelope builder applies this to every free-text field, so whatever leaves the codec is
 * safe to paste; delivery does not need to (and must not) rewrite it again.
 */
const CONTROL_PICTURE_BASE = 0x2400;
const DEL_PICTURE = "\u2421";
const REPLACEMENT = "\ufffd";

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /\r\n?|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    if (ch[0] === "\r") return "\n";
    const code = ch.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(CONTROL_PICTURE_BASE + code);
    if (code === 0x7f) return DEL_PICTURE;
    return REPLACEMENT;
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ANY_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export function isTerminalSafe(text: string): boolean {
  return !ANY_UNSAFE.test(text);
}
