import { timingSafeEqual } from "node:crypto";

/**
 * The dashboard's logins, in the daemon's memory only: a restarted daemon has forgotten them,
 * and `iapeer ui` asks it for a new login. A login token is spent on first use and lives a few
 * minutes; it is exchanged for a session, which carries its own CSRF token.
 */

/** How long a login link works, unused. */
const LOGIN_TTL_MS = 5 * 60_000;
/** How long a session lasts, from its login. */
const SESSION_TTL_MS = 12 * 3600_000;
/** Caps on what is held: asking for logins in a loop cannot grow the daemon without bound. */
const MAX_LOGINS = 32;
const MAX_SESSIONS = 64;

export interface UiSession {
  id: string;
  csrf: string;
  expires: number;
}

function secret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
}

/** Oldest first (Map keeps insertion order): drop the expired, then the oldest over the cap. */
function prune<V extends { expires: number }>(map: Map<string, V>, cap: number, now: number) {
  for (const [key, value] of map) if (value.expires <= now) map.delete(key);
  for (const key of map.keys()) {
    if (map.size <= cap) break;
    map.delete(key);
  }
}

export class UiLogins {
  private readonly logins = new Map<string, { expires: number }>();
  private readonly sessions = new Map<string, UiSession>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A one-time login token (for `iapeer ui`'s link). */
  issueLogin(): string {
    const token = secret();
    this.logins.set(token, { expires: this.now() + LOGIN_TTL_MS });
    prune(this.logins, MAX_LOGINS, this.now());
    return token;
  }

  /** The session a login token opens, once: the token is spent whether or not it was valid. */
  redeem(token: string): UiSession | undefined {
    const login = this.logins.get(token);
    this.logins.delete(token);
    if (!login || login.expires <= this.now()) return undefined;
    const session: UiSession = {
      id: secret(),
      csrf: secret(),
      expires: this.now() + SESSION_TTL_MS,
    };
    this.sessions.set(session.id, session);
    prune(this.sessions, MAX_SESSIONS, this.now());
    return session;
  }

  session(id: string | undefined): UiSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expires > this.now()) return session;
    this.sessions.delete(id);
    return undefined;
  }
}

/** Constant-time comparison of two secrets (a CSRF token against the session's). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
