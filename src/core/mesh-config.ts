import { isAbsolute, normalize } from "node:path";
import { slugName, validateHostName } from "./names";
import { fail, ok, type Result } from "./result";

/**
 * The mesh's knobs (several hosts over NATS JetStream), parsed and validated for core/config.
 * Unset IAPEER_NATS_URL means this host only, as before the mesh: then no other NATS knob may
 * be set, so a half-done setup is an error rather than a silent single host.
 */

type NatsAuth =
  | { readonly kind: "none" }
  | { readonly kind: "creds"; readonly file: string }
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "user"; readonly user: string; readonly password: string };

export interface MeshConfig {
  /** Normalised `nats://host:port` or `tls://host:port`, all of one scheme. */
  readonly urls: readonly string[];
  /** True for tls:// URLs: the connection must be TLS. */
  readonly tls: boolean;
  readonly auth: NatsAuth;
  /** CA file that verifies the servers' certificates (tls:// only). */
  readonly ca?: string;
  /** Plaintext to a non-loopback server was allowed with IAPEER_NATS_INSECURE=1. */
  readonly insecure: boolean;
}

type Env = Record<string, string | undefined>;

const DEFAULT_NATS_PORT = 4222;
const show = (value: string): string => JSON.stringify(value);

const NATS_KNOBS = [
  "IAPEER_NATS_CREDS",
  "IAPEER_NATS_TOKEN",
  "IAPEER_NATS_USER",
  "IAPEER_NATS_PASSWORD",
  "IAPEER_NATS_CA",
  "IAPEER_NATS_INSECURE",
] as const;

/** Every knob of the mesh: they exclude each other in part, so no one environment sets all. */
export const MESH_KNOBS: readonly string[] = ["IAPEER_NATS_URL", "IAPEER_HOST", ...NATS_KNOBS];

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** One server URL: nats:// or tls://, a host, an optional port, nothing else. */
function parseNatsUrl(text: string): Result<{ url: string; tls: boolean; loopback: boolean }> {
  // An error never repeats what may be a secret: whatever stands before an "@".
  const shown = text.replace(/^([^/]*\/\/)?[^/]*@/, "$1…@");
  const bad = (why: string) => fail(`IAPEER_NATS_URL: ${show(shown)} ${why}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return bad("is not a URL (expected nats://host:port or tls://host:port)");
  }
  if (url.protocol !== "nats:" && url.protocol !== "tls:") {
    return bad("must start with nats:// or tls://");
  }
  if (url.username !== "" || url.password !== "") {
    return bad(
      "carries credentials: use IAPEER_NATS_CREDS, IAPEER_NATS_TOKEN or IAPEER_NATS_USER/PASSWORD",
    );
  }
  if (!/^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])$/i.test(url.hostname)) return bad("has no valid host");
  if ((url.pathname !== "" && url.pathname !== "/") || url.search !== "" || url.hash !== "") {
    return bad("must be only scheme, host and port");
  }
  const port = url.port === "" ? DEFAULT_NATS_PORT : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return bad("has a bad port");
  const hostname = url.hostname.toLowerCase();
  const tls = url.protocol === "tls:";
  return ok({ url: `${url.protocol}//${hostname}:${port}`, tls, loopback: isLoopback(hostname) });
}

function absoluteFile(env: Env, name: string): Result<string | undefined> {
  const value = raw(env, name);
  if (value === undefined) return ok(undefined);
  if (!isAbsolute(value)) return fail(`${name} must be an absolute path (got ${show(value)})`);
  return ok(normalize(value));
}

function parseAuth(env: Env): Result<NatsAuth> {
  const creds = absoluteFile(env, "IAPEER_NATS_CREDS");
  if (!creds.ok) return creds;
  const token = raw(env, "IAPEER_NATS_TOKEN");
  const user = raw(env, "IAPEER_NATS_USER");
  const password = raw(env, "IAPEER_NATS_PASSWORD");
  if ((user === undefined) !== (password === undefined)) {
    return fail("IAPEER_NATS_USER and IAPEER_NATS_PASSWORD go together: set both or neither");
  }
  const chosen = [creds.value && "a creds file", token && "a token", user && "a user"].filter(
    Boolean,
  );
  if (chosen.length > 1) {
    return fail(
      `set one way to authenticate to NATS, not ${chosen.join(" and ")} (IAPEER_NATS_CREDS, IAPEER_NATS_TOKEN or IAPEER_NATS_USER/PASSWORD)`,
    );
  }
  if (creds.value) return ok({ kind: "creds", file: creds.value });
  if (token) return ok({ kind: "token", token });
  if (user && password) return ok({ kind: "user", user, password });
  return ok({ kind: "none" });
}

function parseInsecure(env: Env): Result<boolean> {
  const value = raw(env, "IAPEER_NATS_INSECURE");
  if (value === undefined || value === "0") return ok(false);
  if (value === "1") return ok(true);
  return fail(`IAPEER_NATS_INSECURE must be 0 or 1 (got ${show(value)})`);
}

/** The mesh, or undefined when IAPEER_NATS_URL is unset (this host only). */
export function loadMeshConfig(env: Env): Result<MeshConfig | undefined> {
  const list = raw(env, "IAPEER_NATS_URL");
  if (list === undefined) {
    const stray = NATS_KNOBS.find((name) => raw(env, name) !== undefined);
    if (stray) return fail(`${stray} is set but IAPEER_NATS_URL is not: set both, or neither`);
    return ok(undefined);
  }
  const insecure = parseInsecure(env);
  if (!insecure.ok) return insecure;
  const parts = list.split(",").map((s) => s.trim());
  if (parts.some((s) => s === "")) {
    return fail(`IAPEER_NATS_URL has an empty entry (got ${show(list)})`);
  }
  const urls: string[] = [];
  const schemes = new Set<boolean>();
  for (const part of parts) {
    const parsed = parseNatsUrl(part);
    if (!parsed.ok) return parsed;
    if (!parsed.value.tls && !parsed.value.loopback && !insecure.value) {
      return fail(
        `IAPEER_NATS_URL: ${show(part)} is plaintext to another machine; use tls:// (see README "Several hosts"), or set IAPEER_NATS_INSECURE=1 on a network you trust`,
      );
    }
    schemes.add(parsed.value.tls);
    urls.push(parsed.value.url);
  }
  if (schemes.size > 1) return fail("IAPEER_NATS_URL mixes nats:// and tls://: use one scheme");
  const tls = schemes.has(true);
  const auth = parseAuth(env);
  if (!auth.ok) return auth;
  const ca = absoluteFile(env, "IAPEER_NATS_CA");
  if (!ca.ok) return ca;
  if (ca.value && !tls) return fail("IAPEER_NATS_CA is set but IAPEER_NATS_URL is not tls://");
  return ok(
    Object.freeze({
      urls: Object.freeze(urls),
      tls,
      auth: Object.freeze(auth.value),
      ...(ca.value && { ca: ca.value }),
      insecure: insecure.value,
    }),
  );
}

/**
 * This host's name in the mesh: IAPEER_HOST, or the short hostname normalised like a peer
 * name. Undefined when neither gives one; that is an error only once the mesh is on.
 */
export function loadHostName(
  env: Env,
  hostname: string,
  meshOn: boolean,
): Result<string | undefined> {
  const set = raw(env, "IAPEER_HOST");
  if (set !== undefined) {
    const valid = validateHostName(set);
    return valid.ok ? valid : fail(`IAPEER_HOST: ${valid.error}`);
  }
  const derived = slugName(hostname.split(".")[0] ?? "");
  if (validateHostName(derived).ok) return ok(derived);
  if (!meshOn) return ok(undefined);
  return fail(
    `cannot derive this host's mesh name from the hostname ${show(hostname)}: set IAPEER_HOST (1-32 characters a-z, 0-9 and "-", starting with a letter)`,
  );
}
