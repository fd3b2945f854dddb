import { fail, ok, type Result } from "../core/result";
import { charCount, MAX_BODY_CHARS } from "./limits";
import { terminalSafe } from "./terminal-safe";

/**
 * A message typed as its body alone (a peer whose format is `text`: a shell, a REPL): made
 * terminal-safe as the envelope builder makes a body, with one trailing line break dropped,
 * since the Enter that submits the text ends its last line. Other line breaks stay: a program
 * that reads pastes bracketed (bash, sqlite3) gets them as one input; one that does not (the
 * python REPL) takes each line as it arrives, as if typed.
 */
export function plainText(body: string): Result<string> {
  if (charCount(body) > MAX_BODY_CHARS)
    return fail(
      `message body is ${charCount(body)} characters, the limit is ${MAX_BODY_CHARS}; put the long content in a file and send its path`,
    );
  const safe = terminalSafe(body);
  // Typing nothing cannot be seen landing, and spaces alone would sit on the input line.
  if (safe.trim() === "")
    return fail("the message is blank, and a text peer gets the body alone: nothing to type");
  return ok(safe.endsWith("\n") ? safe.slice(0, -1) : safe);
}
