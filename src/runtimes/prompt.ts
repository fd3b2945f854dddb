/**
 * A prompt as a peer's settings write it: a literal prefix (`sh> `, `>>> `), or a regular
 * expression between slashes (`/\S+[$#] /`), matched at the start of a line (after leading
 * spaces and box borders). tmux does not keep a line's trailing spaces, so an empty input line
 * `sh> ` reads as `sh>`: the end of a line counts as spaces when the prompt is matched.
 */

/** The text after the prompt on one line, or undefined when the line does not start with it. */
type PromptMatcher = (line: string) => string | undefined;

/** Stands for the spaces tmux dropped at the end of a line. */
const END_PADDING = " ".repeat(16);

function isPromptPattern(spec: string): boolean {
  return spec.length >= 3 && spec.startsWith("/") && spec.endsWith("/");
}

function compile(spec: string): RegExp {
  return new RegExp(`^(?:${spec.slice(1, -1)})`);
}

/** Why a prompt cannot be used, or undefined when it can. */
export function checkPrompt(spec: string): string | undefined {
  if (spec.trim() === "") return "the prompt must show something: it is empty or only spaces";
  if (/[\n\r]/.test(spec)) return "the prompt must be on one line";
  if (!isPromptPattern(spec)) return undefined;
  let re: RegExp;
  try {
    re = compile(spec);
  } catch (error) {
    return `invalid prompt pattern ${spec}: ${(error as Error).message}`;
  }
  // Matching a blank line would make every line of the screen an input line.
  if (re.test("") || re.test(END_PADDING))
    return `the prompt pattern ${spec} matches a blank line; it must match the prompt's text`;
  return undefined;
}

const matchers = new Map<string, PromptMatcher>();

/** The matcher for a prompt spec (assumed checked; a bad pattern matches no line). */
export function promptMatcher(spec: string): PromptMatcher {
  let matcher = matchers.get(spec);
  if (matcher) return matcher;
  let length: (padded: string) => number | undefined;
  if (isPromptPattern(spec)) {
    let re: RegExp | undefined;
    try {
      re = compile(spec);
    } catch {
      re = undefined;
    }
    length = (padded) => {
      const m = re?.exec(padded);
      return m && m[0] !== "" ? m[0].length : undefined;
    };
  } else {
    length = (padded) => (padded.startsWith(spec) ? spec.length : undefined);
  }
  matcher = (line) => {
    const n = length(line + END_PADDING);
    return n === undefined ? undefined : line.slice(n);
  };
  matchers.set(spec, matcher);
  return matcher;
}
