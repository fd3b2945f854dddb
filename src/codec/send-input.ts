import * as z from "zod";
import { validateRuntime } from "../core/names";
import { fail, ok, type Result } from "../core/result";
import { attachmentsProblem, bodyProblem, topicProblem } from "./envelope";

/**
 * A send as it enters, wherever it enters: the CLI and the HTTP API (`POST /v1/send`), an
 * agent's `send_to_peer` (MCP), and a message from another host (mesh/wire.ts uses these
 * fields). One schema, so hostile input gets the same one-line refusal at every door. Its
 * checks are the envelope's own (codec/envelope.ts), so nothing passes here that the envelope
 * would refuse later.
 */

/** A string field whose text, when wrong, is said by `problem`. */
const checked = (name: string, problem: (v: string) => string | undefined) =>
  z.string({ error: `"${name}" must be a string` }).check((ctx) => {
    const said = problem(ctx.value);
    if (said) ctx.issues.push({ code: "custom", message: said, input: ctx.value });
  });

const runtimeProblem = (name: string): string | undefined => {
  const r = validateRuntime(name);
  return r.ok ? undefined : r.error;
};

/** The message itself: the fields a send and a message between hosts share. */
export const messageFields = {
  body: checked("body", bodyProblem),
  topic: checked("topic", topicProblem).optional(),
  runtime: checked("runtime", runtimeProblem).optional(),
  attachments: z
    .array(z.string({ error: '"attachments" must be a list of paths' }), {
      error: '"attachments" must be a list of paths',
    })
    .check((ctx) => {
      const said = attachmentsProblem(ctx.value);
      if (said) ctx.issues.push({ code: "custom", message: said, input: ctx.value });
    })
    .optional(),
};

const flag = (name: string) => z.boolean({ error: `"${name}" must be true or false` }).optional();

const sendSchema = z.object(
  {
    to: z.string({ error: 'send needs "to" and "body" (strings)' }),
    from: z.string({ error: '"from" must be a string' }).optional(),
    ...messageFields,
    body: z.string({ error: 'send needs "to" and "body" (strings)' }).pipe(messageFields.body),
    key: z.string({ error: '"key" must be a string' }).optional(),
    defer: flag("defer"),
    wait: flag("wait"),
  },
  { error: "the request body must be a JSON object" },
);

export type SendInput = z.infer<typeof sendSchema>;

/** The first problem zod found, as one line. */
export function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? "invalid";
}

/** Check a send as it arrived; its first problem is the refusal, in one line. */
export function parseSend(raw: unknown): Result<SendInput> {
  const r = sendSchema.safeParse(raw);
  return r.success ? ok(r.data) : fail(firstIssue(r.error));
}
