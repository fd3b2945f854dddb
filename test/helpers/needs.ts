import { describe, test } from "bun:test";
import { existsSync } from "node:fs";
import { CHROMIUM } from "./browser";

/**
 * Real tools some tests need beyond tmux. Where one is missing (`npm test` on a fresh machine),
 * its tests are skipped with a line saying so; under IAPEER_REQUIRE_TOOLS=1 (`.ci/run`, which
 * installs them) a missing tool fails the run instead of skipping.
 */
const known = new Map<string, boolean>();
function present(tool: string, find: () => boolean): boolean {
  const seen = known.get(tool);
  if (seen !== undefined) return seen;
  const found = find();
  known.set(tool, found);
  if (found) return true;
  const why = `${tool} is not installed (apt-get install ${tool}; .ci/run installs it)`;
  if (process.env.IAPEER_REQUIRE_TOOLS === "1")
    throw new Error(`${why}, and IAPEER_REQUIRE_TOOLS=1 wants its tests run`);
  console.log(`${why}: its tests are skipped`);
  return false;
}

const nats = () =>
  present(
    "nats-server",
    () => Bun.which("nats-server", { PATH: `${process.env.PATH}:/usr/sbin` }) !== null,
  );
const chromium = () => present("chromium", () => existsSync(CHROMIUM));

type Body = Parameters<typeof test>[1];

/** `describe`/`test` that run only where the mesh's nats-server is installed. */
export const natsDescribe = (label: string, body: () => void) =>
  (nats() ? describe : describe.skip)(label, body);
export const natsTest = (label: string, body: Body, timeout?: number) =>
  (nats() ? test : test.skip)(label, body, timeout);

/** Only where nats-server and Debian's Chromium both are. */
export const natsBrowserDescribe = (label: string, body: () => void) =>
  (nats() && chromium() ? describe : describe.skip)(label, body);

/** `describe` that runs only where Debian's Chromium is installed. */
export const browserDescribe = (label: string, body: () => void) =>
  (chromium() ? describe : describe.skip)(label, body);

/** zsh or fish for the completion tests: its path, or undefined (its tests are skipped). */
export const shell = (name: "zsh" | "fish"): string | undefined =>
  present(name, () => Bun.which(name) !== null) ? (Bun.which(name) ?? undefined) : undefined;

/** ruby for the Homebrew formula's tests: its path, or undefined (its tests are skipped). */
export const ruby = (): string | undefined =>
  present("ruby", () => Bun.which("ruby") !== null) ? (Bun.which("ruby") ?? undefined) : undefined;
