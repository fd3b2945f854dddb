import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Intelligence } from "../codec/envelope";
import { INTELLIGENCES } from "../codec/envelope";
import { ensurePrivateDir, writeFileAtomic } from "../core/fs";
import {
  BUILTIN_RUNTIMES,
  isBuiltinRuntime,
  validatePersonality,
  validateRuntime,
} from "../core/names";
import { controlCharProblem } from "../core/one-line";
import { validatePatterns } from "../core/peer-pattern";
import { fail, ok, type Result } from "../core/result";
import { checkReadyPattern } from "../runtimes/command";
import { checkPrompt } from "../runtimes/prompt";
import { checkTelegramSettings } from "../runtimes/telegram-settings";
import { MESSAGE_FORMATS, type RuntimeSettings } from "../runtimes/types";

/**
 * A peer's profile, `<folder>/.iapeer/peer.json`: the source of truth for who the peer is. The
 * registry table is a projection of it that `iapeer verify --fix` can rebuild.
 */

export const PROFILE_VERSION = 1;
const MAX_DESCRIPTION_CHARS = 450;
const WAKE_POLICIES = ["on-demand", "always-on"] as const;
type WakePolicy = (typeof WAKE_POLICIES)[number];

export interface Profile {
  version: number;
  personality: string;
  runtimes: string[];
  defaultRuntime: string;
  description: string;
  intelligence: Intelligence;
  wake: WakePolicy;
  /** Per-runtime settings, e.g. `{"command": {"command": "aider --yes"}}`. */
  settings: Record<string, RuntimeSettings>;
  /** Whom it takes messages from (patterns, core/peer-pattern); none: anyone. */
  acceptsFrom?: string[];
  /** Whom it may send to; none: anyone. */
  maySendTo?: string[];
}

/** Who is behind each runtime, unless the profile says otherwise. */
export const DEFAULT_INTELLIGENCE: Record<string, Intelligence> = {
  claude: "artificial",
  codex: "artificial",
  command: "artificial",
  telegram: "natural",
  echo: "absent",
};

const profileDir = (folder: string): string => join(folder, ".iapeer");
export const profilePath = (folder: string): string => join(profileDir(folder), "peer.json");

const chars = (text: string): number => [...text].length;

function checkSettings(runtime: string, settings: RuntimeSettings | undefined): string | undefined {
  if (settings === undefined)
    return runtime === "command" ? 'the command runtime needs a "command" to run' : undefined;
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
    return `settings.${runtime} must be an object`;
  }
  if (
    runtime === "command" &&
    (typeof settings.command !== "string" || settings.command.trim() === "")
  ) {
    return 'the command runtime needs a "command" to run';
  }
  if (settings.ready !== undefined) {
    if (typeof settings.ready !== "string") return `settings.${runtime}.ready must be a string`;
    const bad = checkReadyPattern(settings.ready);
    if (bad) return bad;
  }
  if (
    settings.args !== undefined &&
    !(Array.isArray(settings.args) && settings.args.every((a) => typeof a === "string"))
  ) {
    return `settings.${runtime}.args must be a list of strings`;
  }
  for (const key of ["bootDialog", "reply"] as const) {
    if (settings[key] !== undefined && typeof settings[key] !== "boolean")
      return `settings.${runtime}.${key} must be true or false`;
  }
  for (const key of [
    "bin",
    "prompt",
    "systemPromptFile",
    "permissionMode",
    "approvals",
    "command",
  ] as const) {
    if (settings[key] !== undefined && typeof settings[key] !== "string")
      return `settings.${runtime}.${key} must be a string`;
  }
  if (runtime === "telegram") {
    const bad = checkTelegramSettings(settings);
    if (bad) return bad;
  }
  for (const [key, value] of Object.entries(settings)) {
    const texts = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
    for (const text of texts) {
      const bad =
        typeof text === "string" && controlCharProblem(`settings.${runtime}.${key}`, text);
      if (bad) return bad;
    }
  }
  if (settings.prompt !== undefined) {
    const bad = checkPrompt(settings.prompt);
    if (bad) return `settings.${runtime}.prompt: ${bad}`;
  }
  if (settings.format !== undefined) {
    if (!(MESSAGE_FORMATS as readonly unknown[]).includes(settings.format))
      return `settings.${runtime}.format must be one of ${MESSAGE_FORMATS.join(", ")} (got ${JSON.stringify(settings.format)})`;
    if (runtime === "telegram")
      return "settings.telegram.format is not used: the telegram bridge always gets the envelope";
  }
  return undefined;
}

/** Validate anything that claims to be a profile; the result is a complete, normalised Profile. */
export function validateProfile(raw: unknown): Result<Profile> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return fail("a profile must be a JSON object");
  const p = raw as Record<string, unknown>;
  if (p.version !== undefined && p.version !== PROFILE_VERSION) {
    return fail(
      `profile version ${String(p.version)} is not one this iapeer knows (${PROFILE_VERSION})`,
    );
  }
  const personality = validatePersonality(String(p.personality ?? ""));
  if (!personality.ok) return personality;
  if (!Array.isArray(p.runtimes) || p.runtimes.length === 0)
    return fail("a profile needs at least one runtime");
  const runtimes: string[] = [];
  for (const rt of p.runtimes) {
    const valid = validateRuntime(String(rt));
    if (!valid.ok) return valid;
    if (!isBuiltinRuntime(valid.value)) {
      return fail(
        `unknown runtime ${JSON.stringify(rt)}: use one of ${BUILTIN_RUNTIMES.join(", ")}`,
      );
    }
    if (runtimes.includes(valid.value)) return fail(`runtime ${valid.value} is listed twice`);
    runtimes.push(valid.value);
  }
  const defaultRuntime = p.defaultRuntime === undefined ? runtimes[0] : String(p.defaultRuntime);
  if (!defaultRuntime || !runtimes.includes(defaultRuntime)) {
    return fail(
      `the default runtime ${JSON.stringify(p.defaultRuntime)} is not one of the peer's runtimes`,
    );
  }
  const description = p.description === undefined ? "" : String(p.description);
  const badText = controlCharProblem("the description", description);
  if (badText) return fail(badText);
  if (chars(description) > MAX_DESCRIPTION_CHARS) {
    return fail(
      `the description is ${chars(description)} characters, the limit is ${MAX_DESCRIPTION_CHARS}`,
    );
  }
  const intelligence = (p.intelligence ??
    DEFAULT_INTELLIGENCE[defaultRuntime] ??
    "artificial") as Intelligence;
  if (!INTELLIGENCES.includes(intelligence)) {
    return fail(
      `intelligence must be one of ${INTELLIGENCES.join(", ")} (got ${JSON.stringify(p.intelligence)})`,
    );
  }
  const wake = (p.wake ?? "on-demand") as WakePolicy;
  if (!WAKE_POLICIES.includes(wake))
    return fail(`wake must be one of ${WAKE_POLICIES.join(", ")} (got ${JSON.stringify(p.wake)})`);
  const settings = (p.settings ?? {}) as Record<string, RuntimeSettings>;
  if (typeof settings !== "object" || Array.isArray(settings))
    return fail("settings must be an object");
  for (const rt of runtimes) {
    const bad = checkSettings(rt, settings[rt]);
    if (bad) return fail(bad);
  }
  const policy: Pick<Profile, "acceptsFrom" | "maySendTo"> = {};
  for (const [key, label] of [
    ["acceptsFrom", "accepts-from"],
    ["maySendTo", "may-send-to"],
  ] as const) {
    if (p[key] === undefined) continue;
    const list = validatePatterns(p[key], label);
    if (!list.ok) return list;
    policy[key] = list.value;
  }
  return ok({
    version: PROFILE_VERSION,
    personality: personality.value,
    runtimes,
    defaultRuntime,
    description,
    intelligence,
    wake,
    settings,
    ...policy,
  });
}

export function readProfile(folder: string): Result<Profile> {
  const path = profilePath(folder);
  if (!existsSync(path)) return fail(`${path} does not exist`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    return fail(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const profile = validateProfile(raw);
  return profile.ok ? profile : fail(`${path}: ${profile.error}`);
}

export function writeProfile(folder: string, profile: Profile): Result<string> {
  const dir = ensurePrivateDir(profileDir(folder));
  if (!dir.ok) return dir;
  return writeFileAtomic(profilePath(folder), `${JSON.stringify(profile, null, 2)}\n`);
}

/**
 * A profile as found on disk. `broken` is a file that is there but unusable (not JSON, invalid
 * content, unreadable): the peer is kept and reported, with what can still be told of it.
 */
export type ProfileOnDisk =
  | { kind: "ok"; profile: Profile }
  | { kind: "missing"; path: string }
  | { kind: "broken"; path: string; reason: string; guess: ProfileGuess };

/** What a broken profile still says: a valid name and the built-in runtimes it lists. */
interface ProfileGuess {
  personality?: string;
  runtimes: string[];
}

function guessFrom(text: string): ProfileGuess {
  let name: unknown;
  let runtimes: unknown[] = [];
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    name = raw?.personality;
    if (Array.isArray(raw?.runtimes)) runtimes = raw.runtimes;
  } catch {
    name = /"personality"\s*:\s*"([^"]*)"/.exec(text)?.[1];
    const list = /"runtimes"\s*:\s*\[([^\]]*)\]/.exec(text)?.[1] ?? "";
    runtimes = [...list.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  }
  const personality = typeof name === "string" ? validatePersonality(name) : undefined;
  return {
    ...(personality?.ok && { personality: personality.value }),
    runtimes: [
      ...new Set(
        runtimes.filter((rt): rt is string => typeof rt === "string" && isBuiltinRuntime(rt)),
      ),
    ],
  };
}

export function inspectProfile(folder: string): ProfileOnDisk {
  const path = profilePath(folder);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing", path };
    return {
      kind: "broken",
      path,
      reason: `cannot read ${path}: ${(error as Error).message}`,
      guess: { runtimes: [] },
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return {
      kind: "broken",
      path,
      reason: `${path} is not valid JSON: ${(error as Error).message}`,
      guess: guessFrom(text),
    };
  }
  const profile = validateProfile(raw);
  if (profile.ok) return { kind: "ok", profile: profile.value };
  return { kind: "broken", path, reason: `${path}: ${profile.error}`, guess: guessFrom(text) };
}
