import type { Identity } from "../core/names";

interface SessionEnvInput {
  identity: Identity;
  cwd: string;
  home: string;
  sockDir: string;
  path: string;
  /** The environment iapeer itself was given (API keys, proxies, locale pass through). */
  inherited: Readonly<Record<string, string>>;
  /** The adapter's extras. */
  extra?: Record<string, string>;
}

/** Variables that belong to the tmux that iapeer may itself be running inside. */
const DROPPED = new Set(["TMUX", "TMUX_PANE"]);

/**
 * The environment of a session's process. It is also the environment of the tmux client that
 * starts the session's server, so the server and the pane see the same thing.
 */
export function sessionEnv(input: SessionEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.inherited)) {
    if (!DROPPED.has(k) && !k.startsWith("PEER_")) env[k] = v;
  }
  // Without a UTF-8 locale, TUIs draw ASCII stand-ins for their prompt glyphs.
  if (!env.LC_ALL && !env.LC_CTYPE && !env.LANG) env.LANG = "C.UTF-8";
  return {
    ...env,
    ...input.extra,
    PATH: input.path,
    IAPEER_HOME: input.home,
    IAPEER_SOCK_DIR: input.sockDir,
    PEER_PERSONALITY: input.identity.personality,
    PEER_RUNTIME: input.identity.runtime,
    PEER_IDENTITY: input.identity.identity,
    PEER_CWD: input.cwd,
  };
}
