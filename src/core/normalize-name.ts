import { slugName, validatePersonality } from "./names";
import { fail, type Result } from "./result";

// The transliteration tables are large and cost every command ~20 ms to load: they are loaded on
// the first name derived, not when this module is.
let transliterate: typeof import("transliteration").transliterate | undefined;

const show = (value: string): string => JSON.stringify(value);

/**
 * Derive a personality from a folder name: transliterate to ASCII, lowercase, turn every run
 * of other characters into "-", cut to 32 and trim "-" (trimming after the cut keeps the result
 * a fixed point). A name that still fails is an error: a name is never invented.
 */
export function normalizeName(folderName: string): Result<string> {
  transliterate ??= (require("transliteration") as typeof import("transliteration")).transliterate;
  const ascii = transliterate(folderName.normalize("NFC"), { unknown: " " });
  const slug = slugName(ascii);
  if (slug === "") {
    return fail(
      `cannot derive a peer name from ${show(folderName)}: nothing in it maps to a-z or 0-9; name it with --name`,
    );
  }
  if (!/^[a-z]/.test(slug)) {
    return fail(
      `cannot derive a peer name from ${show(folderName)}: ${show(slug)} does not start with a letter; name it with --name`,
    );
  }
  return validatePersonality(slug);
}
