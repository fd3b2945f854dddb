export const MAX_BODY_CHARS = 16_000;
export const MAX_TOPIC_CHARS = 200;
export const MAX_ATTACHMENTS = 20;
export const MAX_ATTACHMENT_PATH_BYTES = 4096;

/** Characters as a person counts them: code points, so an emoji is one, not two. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
