import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { issueToken, peerForToken, revokeToken } from "../../src/registry/tokens";
import { openStore, type Store } from "../../src/store/db";
import { tempDir } from "../helpers/temp";

function store(): Store {
  const opened = openStore(join(tempDir(), "iapeer.db"));
  if (!opened.ok) throw new Error(opened.error);
  return opened.value;
}

describe("peer tokens", () => {
  test("an issued token identifies its peer; a made-up one does not", () => {
    const s = store();
    const ana = issueToken(s, "ana");
    const bo = issueToken(s, "bo");
    expect(ana).toMatch(/^iap_[A-Za-z0-9_-]{43}$/);
    expect(ana).not.toBe(bo);
    expect(peerForToken(s, ana)).toBe("ana");
    expect(peerForToken(s, bo)).toBe("bo");
    expect(peerForToken(s, "iap_made-up")).toBeUndefined();
    expect(peerForToken(s, "")).toBeUndefined();
    s.close();
  });

  test("re-issuing replaces the old token", () => {
    const s = store();
    const old = issueToken(s, "ana");
    const fresh = issueToken(s, "ana", new Date("2026-02-01T00:00:00Z"));
    expect(peerForToken(s, old)).toBeUndefined();
    expect(peerForToken(s, fresh)).toBe("ana");
    expect(s.db.query("SELECT created_at FROM peer_tokens").all()).toEqual([
      { created_at: "2026-02-01T00:00:00.000Z" },
    ]);
    s.close();
  });

  test("revoking a token makes it stop working", () => {
    const s = store();
    const token = issueToken(s, "ana");
    expect(revokeToken(s, "ana")).toBe(true);
    expect(peerForToken(s, token)).toBeUndefined();
    expect(revokeToken(s, "ana")).toBe(false);
    s.close();
  });

  test("the database holds only the token's SHA-256", () => {
    const s = store();
    const token = issueToken(s, "ana");
    const rows = s.db.query("SELECT token_hash FROM peer_tokens").all() as { token_hash: string }[];
    const expected = new Bun.CryptoHasher("sha256").update(token).digest("hex");
    expect(rows).toEqual([{ token_hash: expected }]);
    s.close();
    expect(readFileSync(s.path).includes(token)).toBe(false);
  });
});
