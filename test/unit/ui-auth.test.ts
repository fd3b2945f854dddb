import { describe, expect, test } from "bun:test";
import { UiLogins } from "../../src/ui/auth";
import { cookieName, hostRefusal, readCookie } from "../../src/ui/session-gate";

describe("dashboard logins", () => {
  test("a login token opens one session, once, within 5 minutes; a session lasts 12 hours", () => {
    let now = 1_000_000;
    const logins = new UiLogins(() => now);
    const token = logins.issueLogin();
    const session = logins.redeem(token);
    expect(session?.csrf).toBeString();
    expect(session?.csrf).not.toBe(session?.id);
    expect(logins.redeem(token)).toBeUndefined();
    expect(logins.session(session?.id)).toBe(session);

    const late = logins.issueLogin();
    now += 5 * 60_000;
    expect(logins.redeem(late)).toBeUndefined();
    now += 12 * 3600_000;
    expect(logins.session(session?.id)).toBeUndefined();
    expect(logins.session(undefined)).toBeUndefined();
    expect(logins.redeem("")).toBeUndefined();
  });

  test("logins asked for in a loop do not pile up: the oldest unused ones go", () => {
    const logins = new UiLogins();
    const first = logins.issueLogin();
    for (let i = 0; i < 100; i++) logins.issueLogin();
    expect(logins.redeem(first)).toBeUndefined();
    expect(logins.redeem(logins.issueLogin())).toBeDefined();
  });

  test("the cookie is per port, read exactly by name; the Host must be the loopback and port", () => {
    const req = (headers: Record<string, string>) =>
      new Request("http://127.0.0.1:9000/ui/", { headers });
    expect(cookieName(9000)).toBe("iapeer_ui_9000");
    const cookie = "x_iapeer_ui_9000=no; iapeer_ui_9000=yes; iapeer_ui_9001=other";
    expect(readCookie(req({ cookie }), "iapeer_ui_9000")).toBe("yes");
    expect(hostRefusal(req({ host: "127.0.0.1:9000" }), 9000)).toBeUndefined();
    expect(hostRefusal(req({ host: "LOCALHOST:9000" }), 9000)).toBeUndefined();
    for (const host of ["127.0.0.1:9001", "127.0.0.1", "evil.example:9000", "127.0.0.1.evil:9000"])
      expect(hostRefusal(req({ host }), 9000)?.status).toBe(421);
  });
});
