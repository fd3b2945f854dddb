import { createHash, randomBytes } from "node:crypto";
import type { Store } from "../store/db";

/**
 * Per-peer secret tokens: how the MCP endpoint knows which peer is calling. Only a token's
 * SHA-256 is stored, so a copy of the state database does not let anyone act as a peer; the
 * token itself lives only in the peer's MCP client config.
 */

const TOKEN_PREFIX = "iap_";
/** The name iapeer's entry has in a runtime's list of MCP servers. */
export const MCP_SERVER_NAME = "iapeer";

const hashToken = (token: string): string => createHash("sha256").update(token).digest("hex");

/** A fresh token for `personality`; any earlier one stops working. */
export function issueToken(store: Store, personality: string, now: Date = new Date()): string {
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  store.write(() =>
    store.db
      .query(
        `INSERT INTO peer_tokens (personality, token_hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT (personality) DO UPDATE
           SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
      )
      .run(personality, hashToken(token), now.toISOString()),
  );
  return token;
}

/**
 * The peer whose token this is. A lookup by hash leaks nothing useful through timing: an
 * attacker cannot steer the hash of a guess towards a stored one.
 */
export function peerForToken(store: Store, token: string): string | undefined {
  const row = store.db
    .query("SELECT personality FROM peer_tokens WHERE token_hash = ?")
    .get(hashToken(token)) as { personality: string } | null;
  return row?.personality;
}

/** Forget the peer's token; returns whether it had one. */
export function revokeToken(store: Store, personality: string): boolean {
  return store.write(
    () =>
      store.db.query("DELETE FROM peer_tokens WHERE personality = ?").run(personality).changes > 0,
  );
}
