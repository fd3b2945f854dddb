import { askDaemon, daemonFor } from "./daemon-client";
import { actionError, usageError } from "./exit-codes";

/**
 * Ask the daemon for a change of the registry (create, init, set, edit, up). Its refusal is
 * this command's error: bad input (`badInput`) exits 2, anything else 1.
 */
export async function askRegistry<T extends object>(path: string, body: unknown): Promise<T> {
  const r = await askDaemon<T & { error?: unknown; badInput?: boolean }>("POST", path, body);
  if (typeof r.error === "string") throw r.badInput ? usageError(r.error) : actionError(r.error);
  return r;
}

/**
 * Ask the daemon for a change it tells as it goes (`up`): each line it sends before its answer
 * is given to `told` at once; the answer is returned, or its refusal thrown as askRegistry does.
 * No timeout: a big fleet may take the daemon many minutes.
 */
export async function streamRegistry<T extends object>(
  path: string,
  body: unknown,
  told: (line: Record<string, unknown>) => void,
): Promise<T> {
  const daemon = await daemonFor();
  let res: Response;
  try {
    res = await fetch(`http://localhost${path}`, {
      method: "POST",
      unix: daemon.socket,
      timeout: false,
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", accept: "application/x-ndjson" },
    });
  } catch (error) {
    throw actionError(
      `the daemon (pid ${daemon.pid}) did not answer on ${daemon.socket}: ${(error as Error).message}`,
    );
  }
  let answer: (T & { error?: unknown; badInput?: boolean }) | undefined;
  const take = (text: string) => {
    if (text.trim() === "") return;
    const value = JSON.parse(text) as Record<string, unknown>;
    // A refusal before it began is one plain JSON answer, not a stream.
    if (!res.headers.get("content-type")?.includes("ndjson")) answer = value as typeof answer;
    else if ("answer" in value) answer = value.answer as typeof answer;
    else told(value);
  };
  let pending = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body ?? []) {
      pending += decoder.decode(chunk as Uint8Array, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const text of lines) take(text);
    }
    take(pending);
  } catch (error) {
    throw actionError(
      `the daemon (pid ${daemon.pid}) broke off its answer: ${(error as Error).message}`,
    );
  }
  if (!answer) throw actionError(`the daemon (pid ${daemon.pid}) ended its answer without one`);
  if (typeof answer.error === "string")
    throw answer.badInput ? usageError(answer.error) : actionError(answer.error);
  return answer;
}
