import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/core/config";
import { MESH_KNOBS } from "../../src/core/mesh-config";
import { runSource } from "../helpers/cli";
import { tempDir } from "../helpers/temp";

const load = (env: Record<string, string | undefined>, hostname = "mini2.local") =>
  loadConfig({ env: { HOME: "/home/ana", ...env }, platform: "linux", uid: 1000, hostname });

function value(env: Record<string, string | undefined>, hostname?: string) {
  const r = load(env, hostname);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function error(env: Record<string, string | undefined>, hostname?: string): string {
  const r = load(env, hostname);
  if (r.ok) throw new Error("expected an error");
  return r.error;
}

const LOCAL = { IAPEER_NATS_URL: "nats://127.0.0.1:4222" };

describe("this host's name", () => {
  test("defaults to the short hostname, normalised like a peer name", () => {
    expect(value({}, "mini2.local").host).toBe("mini2");
    expect(value({}, "Anas-MacBook-Pro.local").host).toBe("anas-macbook-pro");
    expect(value({}, "build_box_01").host).toBe("build-box-01");
    expect(value({}, `a${"b".repeat(40)}`).host).toBe(`a${"b".repeat(31)}`);
  });

  test("IAPEER_HOST overrides it", () => {
    const c = value({ IAPEER_HOST: "linux-box" });
    expect(c.host).toBe("linux-box");
    expect(c.fromEnv).toContain("IAPEER_HOST");
  });

  test("a hostname that gives no name is fine alone, and an error naming IAPEER_HOST in a mesh", () => {
    expect(value({}, "10.0.0.5").host).toBeUndefined();
    expect(value({}, "").host).toBeUndefined();
    expect(error(LOCAL, "10.0.0.5")).toContain("set IAPEER_HOST");
    expect(value({ ...LOCAL, IAPEER_HOST: "box" }, "10.0.0.5").host).toBe("box");
  });

  test.each([
    "Mini2",
    "mini.2",
    "2mini",
    "-mini",
    "mini 2",
    "mini/2",
    "mini>",
    "mini*",
    "minï",
    "a\nb",
    "x".repeat(33),
  ])("IAPEER_HOST=%j is refused", (bad) => {
    expect(error({ IAPEER_HOST: bad })).toStartWith("IAPEER_HOST: invalid host name");
  });
});

describe("IAPEER_NATS_URL", () => {
  test("unset: this host only", () => {
    expect(value({}).mesh).toBeUndefined();
  });

  test("one or more URLs, normalised, the port defaulting to 4222", () => {
    const c = value({ IAPEER_NATS_URL: " nats://LOCALHOST , nats://127.0.0.1:4223/" });
    expect(c.mesh?.urls).toEqual(["nats://localhost:4222", "nats://127.0.0.1:4223"]);
    expect(c.mesh?.tls).toBe(false);
    expect(c.mesh?.auth).toEqual({ kind: "none" });
    expect(c.fromEnv).toContain("IAPEER_NATS_URL");
    expect(Object.isFrozen(c.mesh)).toBe(true);
    expect(value({ IAPEER_NATS_URL: "nats://[::1]:5000" }).mesh?.urls).toEqual([
      "nats://[::1]:5000",
    ]);
  });

  test("tls:// to other machines", () => {
    const c = value({ IAPEER_NATS_URL: "tls://nats1.example.com,tls://10.0.0.2:4443" });
    expect(c.mesh?.urls).toEqual(["tls://nats1.example.com:4222", "tls://10.0.0.2:4443"]);
    expect(c.mesh?.tls).toBe(true);
  });

  test("plaintext to another machine is refused unless IAPEER_NATS_INSECURE=1", () => {
    for (const url of ["nats://10.0.0.2:4222", "nats://mini2.lan", "nats://127.0.0.1,nats://x"]) {
      expect(error({ IAPEER_NATS_URL: url })).toContain("IAPEER_NATS_INSECURE=1");
    }
    const c = value({ IAPEER_NATS_URL: "nats://mini2.lan", IAPEER_NATS_INSECURE: "1" });
    expect(c.mesh).toMatchObject({ urls: ["nats://mini2.lan:4222"], insecure: true });
    expect(error({ IAPEER_NATS_URL: "nats://x", IAPEER_NATS_INSECURE: "yes" })).toBe(
      'IAPEER_NATS_INSECURE must be 0 or 1 (got "yes")',
    );
  });

  test.each([
    ["http://127.0.0.1:4222", "must start with nats:// or tls://"],
    ["127.0.0.1:4222", "is not a URL"],
    ["nats://", "has no valid host"],
    ["nats:host", "has no valid host"],
    ["nats://ho st", "is not a URL"],
    ["nats://ho%20st", "has no valid host"],
    ["nats://ana:secret@127.0.0.1", "carries credentials"],
    ["nats://tok@127.0.0.1", "carries credentials"],
    ["nats://127.0.0.1:4222/x", "only scheme, host and port"],
    ["nats://127.0.0.1?a=1", "only scheme, host and port"],
    ["nats://127.0.0.1:0", "has a bad port"],
    ["nats://127.0.0.1:70000", "is not a URL"],
    ["nats://127.0.0.1,,nats://127.0.0.1", "has an empty entry"],
    ["nats://127.0.0.1,tls://x", "mixes nats:// and tls://"],
  ])("%j is refused: %s", (url, why) => {
    const e = error({ IAPEER_NATS_URL: url });
    expect(e).toStartWith("IAPEER_NATS_URL");
    expect(e).toContain(why);
  });

  test("a refused URL with credentials never echoes them", () => {
    for (const url of ["nats://ana:s3cret@127.0.0.1", "nats://s3cret@ho st", "s3cret@x"]) {
      const e = error({ IAPEER_NATS_URL: url });
      expect(e).toStartWith("IAPEER_NATS_URL");
      expect(e).not.toContain("s3cret");
    }
    expect(error({ IAPEER_NATS_URL: "nats://ana:s3cret@127.0.0.1" })).toContain("…@127.0.0.1");
  });
});

describe("NATS credentials", () => {
  test("a creds file, a token, or a user and password", () => {
    expect(value({ ...LOCAL, IAPEER_NATS_CREDS: "/etc/iapeer/mini2.creds" }).mesh?.auth).toEqual({
      kind: "creds",
      file: "/etc/iapeer/mini2.creds",
    });
    expect(value({ ...LOCAL, IAPEER_NATS_TOKEN: "t0k" }).mesh?.auth).toEqual({
      kind: "token",
      token: "t0k",
    });
    const c = value({ ...LOCAL, IAPEER_NATS_USER: "mini2", IAPEER_NATS_PASSWORD: "pw" });
    expect(c.mesh?.auth).toEqual({ kind: "user", user: "mini2", password: "pw" });
    expect(c.fromEnv).toContain("IAPEER_NATS_PASSWORD");
  });

  test("a user needs a password and the other way round", () => {
    expect(error({ ...LOCAL, IAPEER_NATS_USER: "mini2" })).toContain("set both or neither");
    expect(error({ ...LOCAL, IAPEER_NATS_PASSWORD: "pw" })).toContain("set both or neither");
  });

  test("only one way to authenticate", () => {
    const e = error({ ...LOCAL, IAPEER_NATS_TOKEN: "t", IAPEER_NATS_CREDS: "/c.creds" });
    expect(e).toContain("not a creds file and a token");
  });

  test("files are absolute paths", () => {
    expect(error({ ...LOCAL, IAPEER_NATS_CREDS: "mini2.creds" })).toBe(
      'IAPEER_NATS_CREDS must be an absolute path (got "mini2.creds")',
    );
    const tls = { IAPEER_NATS_URL: "tls://nats.example.com" };
    expect(error({ ...tls, IAPEER_NATS_CA: "ca.pem" })).toStartWith("IAPEER_NATS_CA must be");
    expect(value({ ...tls, IAPEER_NATS_CA: "/etc/ssl/nats-ca.pem" }).mesh?.ca).toBe(
      "/etc/ssl/nats-ca.pem",
    );
  });

  test("a CA only with tls://", () => {
    expect(error({ ...LOCAL, IAPEER_NATS_CA: "/ca.pem" })).toBe(
      "IAPEER_NATS_CA is set but IAPEER_NATS_URL is not tls://",
    );
  });

  test.each(MESH_KNOBS.filter((k) => k !== "IAPEER_NATS_URL" && k !== "IAPEER_HOST"))(
    "%s without IAPEER_NATS_URL is an error, not a silent single host",
    (knob) => {
      expect(error({ [knob]: "/x" })).toBe(
        `${knob} is set but IAPEER_NATS_URL is not: set both, or neither`,
      );
    },
  );
});

describe("iapeer config", () => {
  test("shows the mesh's knobs, secrets only as set", () => {
    const r = runSource(["config", "--json"], {
      IAPEER_HOME: tempDir(),
      IAPEER_NATS_URL: "nats://127.0.0.1:4333",
      IAPEER_HOST: "mini2",
      IAPEER_NATS_TOKEN: "s3cret-token",
    });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("s3cret-token");
    const { knobs } = JSON.parse(r.stdout) as { knobs: { name: string; value: unknown }[] };
    const byName = Object.fromEntries(knobs.map((k) => [k.name, k]));
    expect(byName.IAPEER_NATS_URL).toMatchObject({ value: "nats://127.0.0.1:4333", source: "env" });
    expect(byName.IAPEER_HOST).toMatchObject({ value: "mini2", source: "env" });
    expect(byName.IAPEER_NATS_TOKEN).toMatchObject({ value: "(set)", source: "env" });
    expect(byName.IAPEER_NATS_INSECURE).toMatchObject({ value: 0, source: "default" });
  });

  test("a plaintext remote URL stops the command with exit 2", () => {
    const r = runSource(["config"], { IAPEER_NATS_URL: "nats://10.1.2.3:4222" });
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith("iapeer: IAPEER_NATS_URL: ");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
