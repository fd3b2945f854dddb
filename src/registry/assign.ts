import { INTELLIGENCES } from "../codec/envelope";
import { BUILTIN_RUNTIMES } from "../core/names";
import { fail, ok, type Result } from "../core/result";
import type { RuntimeSettings } from "../runtimes/types";
import { type Profile, validateProfile } from "./profile";
import { RUNTIME_KEYS, setRuntimeKey } from "./settings-keys";

/**
 * `iapeer set <peer> key=value…`: what each key changes in a profile. A runtime setting applies
 * to the default runtime, or to the one named before a dot (`codex.bin=…`). The result goes
 * through the same validation as a new profile.
 */

export const PROFILE_KEYS: Record<string, string> = {
  description: "what this peer is for (≤ 450 characters)",
  "always-on": "true or false: held alive by the service manager, never put to sleep",
  wake: "on-demand or always-on (the same as always-on=false|true)",
  "default-runtime": "the runtime a message or a wake goes to",
  runtimes: `its runtimes, comma-separated (${BUILTIN_RUNTIMES.join(", ")})`,
  intelligence: `who is behind it: ${INTELLIGENCES.join(", ")}`,
  "accepts-from":
    "whom it takes messages from, comma-separated: *, a name, name@host, *@host, human (empty: anyone)",
  "may-send-to": "whom it may send to, as accepts-from (empty: anyone)",
};

export interface Assignment {
  key: string;
  value: string;
  /** The runtime named before the dot, for a runtime setting. */
  runtime?: string;
}

/** The keys `set` takes, each as `key=` (for completion). */
export const settableKeys = (): string[] =>
  [...Object.keys(PROFILE_KEYS), ...Object.keys(RUNTIME_KEYS)].map((k) => `${k}=`);

/** The keys `set` takes, for an error or `--help`. */
export function validKeys(): string {
  return `valid keys: ${Object.keys(PROFILE_KEYS).join(", ")}; runtime settings ${Object.keys(RUNTIME_KEYS).join(", ")} (of the default runtime, or <runtime>.<key>)`;
}

/** `key=value` words, each key known and given once; anything else is bad input. */
export function parseAssignments(words: readonly string[]): Result<Assignment[]> {
  if (words.length === 0) return fail(`give at least one key=value; ${validKeys()}`);
  const seen = new Set<string>();
  const list: Assignment[] = [];
  for (const word of words) {
    const eq = word.indexOf("=");
    if (eq <= 0) return fail(`expected key=value, got ${JSON.stringify(word)}; ${validKeys()}`);
    const name = word.slice(0, eq);
    const value = word.slice(eq + 1);
    const dot = name.indexOf(".");
    const runtime = dot > 0 ? name.slice(0, dot) : undefined;
    const key = dot > 0 ? name.slice(dot + 1) : name;
    const known =
      runtime === undefined ? key in PROFILE_KEYS || key in RUNTIME_KEYS : key in RUNTIME_KEYS;
    if (!known) return fail(`unknown key ${JSON.stringify(name)}; ${validKeys()}`);
    if (seen.has(name)) return fail(`${name} is given twice`);
    seen.add(name);
    list.push({ key, value, ...(runtime !== undefined && { runtime }) });
  }
  return ok(list);
}

function flag(value: string, key: string): Result<boolean> {
  if (value === "true") return ok(true);
  if (value === "false") return ok(false);
  return fail(`${key} must be true or false (got ${JSON.stringify(value)})`);
}

/** Apply one profile key (not a runtime setting) to a copy of the profile. */
function applyProfileKey(p: Profile, a: Assignment): Result<Profile> {
  switch (a.key) {
    case "description":
      return ok({ ...p, description: a.value });
    case "always-on": {
      const on = flag(a.value, a.key);
      return on.ok ? ok({ ...p, wake: on.value ? "always-on" : "on-demand" }) : on;
    }
    case "wake":
      return ok({ ...p, wake: a.value as Profile["wake"] });
    case "default-runtime":
      return ok({ ...p, defaultRuntime: a.value });
    case "intelligence":
      return ok({ ...p, intelligence: a.value as Profile["intelligence"] });
    case "accepts-from":
    case "may-send-to": {
      const field = a.key === "accepts-from" ? "acceptsFrom" : "maySendTo";
      const list = a.value
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x !== "");
      const { [field]: _, ...rest } = p;
      return ok(list.length === 0 ? rest : { ...rest, [field]: list });
    }
    case "runtimes": {
      const runtimes = a.value
        .split(",")
        .map((r) => r.trim())
        .filter((r) => r !== "");
      // Settings of a runtime it no longer has go with it.
      const settings = Object.fromEntries(
        Object.entries(p.settings).filter(([rt]) => runtimes.includes(rt)),
      );
      return ok({ ...p, runtimes, settings });
    }
    default:
      return fail(`unknown key ${JSON.stringify(a.key)}; ${validKeys()}`);
  }
}

/**
 * The profile with the assignments made, validated as a whole (validateProfile, as create
 * does); the first bad key or value is the error. Runtimes and the default runtime are set
 * first, so the runtime settings that follow go to the runtime they end up in.
 */
export function applyAssignments(profile: Profile, list: readonly Assignment[]): Result<Profile> {
  const first = (a: Assignment) =>
    a.runtime === undefined && (a.key === "runtimes" || a.key === "default-runtime") ? 0 : 1;
  const ordered = [...list].sort((a, b) => first(a) - first(b));
  let p: Profile = structuredClone(profile);
  for (const a of ordered) {
    if (a.runtime === undefined && a.key in PROFILE_KEYS) {
      const next = applyProfileKey(p, a);
      if (!next.ok) return next;
      p = next.value;
      continue;
    }
    const runtime = a.runtime ?? p.defaultRuntime;
    const label = a.runtime === undefined ? a.key : `${a.runtime}.${a.key}`;
    if (!p.runtimes.includes(runtime))
      return fail(`${label}: ${runtime} is not one of its runtimes (${p.runtimes.join(", ")})`);
    const settings = setRuntimeKey(runtime, p.settings[runtime] ?? {}, a.key, a.value, label);
    if (!settings.ok) return settings;
    const all: Record<string, RuntimeSettings> = { ...p.settings, [runtime]: settings.value };
    if (Object.keys(settings.value).length === 0) delete all[runtime];
    p = { ...p, settings: all };
  }
  return validateProfile(p);
}
