import { isAbsolute } from "node:path";
import { fail, ok, type Result } from "./result";

/** The built-in telegram bridge's settings from the environment (a bridge peer's profile wins). */
export interface TelegramConfig {
  /** A file of mode 0600 holding the bot token; the token itself is never an argument. */
  readonly tokenFile: string | undefined;
  /** The chat ids that are heard. */
  readonly chats: readonly string[];
  /** The Bot API's base URL. */
  readonly api: string;
}

export const TELEGRAM_API = "https://api.telegram.org";
const CHAT_ID = /^-?\d{1,20}$/;

type Env = Record<string, string | undefined>;

/** Chat ids, comma-separated: `123456789,-1001234567890`. */
export function parseChats(text: string, label: string): Result<string[]> {
  const ids = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const bad = ids.find((id) => !CHAT_ID.test(id));
  if (bad !== undefined)
    return fail(
      `${label} must be chat ids (whole numbers, comma-separated), got ${JSON.stringify(bad)}`,
    );
  return ok([...new Set(ids)]);
}

/** An http(s) URL without a trailing slash. */
export function parseApiUrl(text: string, label: string): Result<string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`${label} must be an http(s) URL (got ${JSON.stringify(text)})`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return fail(`${label} must be an http(s) URL (got ${JSON.stringify(text)})`);
  return ok(text.replace(/\/+$/, ""));
}

export function loadTelegramConfig(env: Env): Result<TelegramConfig> {
  const value = (name: string) => (env[name] === "" ? undefined : env[name]);
  const tokenFile = value("IAPEER_TELEGRAM_TOKEN_FILE");
  if (tokenFile !== undefined && !isAbsolute(tokenFile))
    return fail(
      `IAPEER_TELEGRAM_TOKEN_FILE must be an absolute path (got ${JSON.stringify(tokenFile)})`,
    );
  const chats = parseChats(value("IAPEER_TELEGRAM_CHATS") ?? "", "IAPEER_TELEGRAM_CHATS");
  if (!chats.ok) return chats;
  const api = parseApiUrl(value("IAPEER_TELEGRAM_API") ?? TELEGRAM_API, "IAPEER_TELEGRAM_API");
  if (!api.ok) return api;
  return ok(Object.freeze({ tokenFile, chats: Object.freeze(chats.value), api: api.value }));
}
