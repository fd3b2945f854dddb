import { readFileSync, statSync } from "node:fs";
import { fail, ok, type Result } from "../core/result";
import type { TelegramConfig } from "../core/telegram-config";
import type { RuntimeSettings } from "../runtimes/types";

/** What the bridge runs with: the profile's settings win over the environment's. */
export interface BridgeSettings {
  token: string;
  tokenFile: string;
  chats: readonly string[];
  api: string;
  defaultPeer?: string;
}

const TOKEN = /^\d+:[A-Za-z0-9_-]+$/;

/**
 * What is wrong with a token file, if anything: it must be a regular file only its owner can
 * read. Never quotes the file's content.
 */
function tokenFileProblem(path: string, uid = process.getuid?.()): string | undefined {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT"
      ? `the bot token file ${path} does not exist`
      : `cannot read the bot token file ${path} (${code})`;
  }
  if (!st.isFile()) return `the bot token file ${path} is not a file`;
  if ((st.mode & 0o077) !== 0)
    return `the bot token file ${path} has mode ${(st.mode & 0o777).toString(8)}: others may read the token; chmod 600 ${path}`;
  if (uid !== undefined && st.uid !== uid)
    return `the bot token file ${path} belongs to uid ${st.uid}, not you (${uid})`;
  return undefined;
}

export function readTokenFile(path: string): Result<string> {
  const problem = tokenFileProblem(path);
  if (problem) return fail(problem);
  let token: string;
  try {
    token = readFileSync(path, "utf8").trim();
  } catch (error) {
    return fail(
      `cannot read the bot token file ${path} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  if (!TOKEN.test(token))
    return fail(
      `the bot token file ${path} does not hold a bot token (one line, <digits>:<letters>, as @BotFather gives it)`,
    );
  return ok(token);
}

export function bridgeSettings(
  env: TelegramConfig,
  profile: RuntimeSettings,
  peer: string,
): Result<BridgeSettings> {
  const tokenFile = profile.tokenFile ?? env.tokenFile;
  if (tokenFile === undefined)
    return fail(
      `no bot token: put it in a file of mode 0600 and set IAPEER_TELEGRAM_TOKEN_FILE, or \`iapeer set ${peer} token-file=<path>\``,
    );
  const token = readTokenFile(tokenFile);
  if (!token.ok) return token;
  // None allowed is allowed: the bridge then only logs who writes (how a person finds their
  // chat's id), and messages for the chat wait in the queue.
  const chats = profile.chats ?? env.chats;
  return ok({
    token: token.value,
    tokenFile,
    chats,
    api: (profile.api ?? env.api).replace(/\/+$/, ""),
    ...(profile.defaultPeer !== undefined && { defaultPeer: profile.defaultPeer }),
  });
}
