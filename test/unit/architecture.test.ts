import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/**
 * The rooms of src/ and the way their arrows point (ARCHITECTURE.md draws them). A room may
 * import from rooms below it, never from one above: that keeps each one readable on its own
 * and the daemon the one owner. Type-only imports load nothing and are not counted.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["cli"],
  ["doctor", "selftest", "completion"],
  ["daemon"],
  ["ui"],
  ["mesh", "service", "fleet"],
  ["transport"],
  ["lifecycle"],
  ["launch"],
  ["registry"],
  ["runtimes"],
  ["agent", "telegram"],
  ["home"],
  ["store", "codec", "tmux"],
  ["core"],
];

/**
 * What the CLI may still load from the rooms the daemon owns, each with why. Everything else
 * in the CLI asks the daemon.
 */
const CLI_EXCEPTIONS: Record<string, string> = {
  "cli/attach.ts -> tmux/client": "joins the person's terminal to the session's own tmux server",
  "cli/exit-records.ts -> tmux/exits": "reads exits.log, which the pane-died hook writes",
  "cli/events.ts -> store/journal": "reads the journal (events are written only by the daemon)",
  "cli/demo.ts -> store/journal": "reads the journal to show the conversation live",
  "cli/demo.ts -> transport/messages": "reads a message's body to show it",
  "cli/verify.ts -> store/health": "works on a damaged database, with no daemon",
};
/** The rooms of what the daemon owns: the database, tmux, messages, sessions, other hosts. */
const CLI_OWNED = new Set(["store", "tmux", "transport", "lifecycle", "launch", "mesh"]);

/**
 * The doors to the database from the CLI's own process: the home opened (`cli/context`, the
 * composition root), or the registry read directly. Only these commands use them; every other
 * one, the registry's changes included, asks the daemon.
 */
const OPENS_HOME = new Set(["cli/context", "daemon/open-home", "registry/names"]);
const OPENS_HOME_EXCEPTIONS: Record<string, string> = {
  "cli/daemon.ts -> cli/context": "is the daemon: it opens the home it serves",
  "cli/verify.ts -> cli/context": "works on a damaged database, with no daemon",
  "cli/verify.ts -> daemon/open-home": "rebuilds the registry from the profiles after --fix",
  "cli/run-always-on.ts -> cli/context": "what a service manager runs, daemon or not",
  "cli/service.ts -> cli/context": "writes the unit files of the daemon and of always-on peers",
  "cli/logs.ts -> cli/context": "reads the pane logs of the registered peers",
  "cli/events.ts -> cli/context": "reads the journal",
  "cli/demo.ts -> cli/context": "reads the journal to show the conversation live",
  "cli/many.ts -> registry/names": "reads, read-only, the names `all` means",
  "cli/list.ts -> registry/names": "`list --names`, for shell completion: read-only, no daemon",
  "cli/run.ts -> cli/context": "says whether a command's SQLite error means a damaged database",
};

const SRC = join(import.meta.dir, "..", "..", "src");
const layerOf = new Map(LAYERS.flatMap((rooms, i) => rooms.map((room) => [room, i] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

interface Arrow {
  from: string;
  to: string;
  fromRoom: string;
  toRoom: string;
}

function arrows(): Arrow[] {
  const transpiler = new Bun.Transpiler({ loader: "ts" });
  const found: Arrow[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = relative(SRC, file);
    const code = readFileSync(file, "utf8").replace(/^#!.*/, "");
    for (const imp of transpiler.scanImports(code)) {
      if (!imp.path.startsWith(".")) continue;
      const to = relative(SRC, join(dirname(file), imp.path)).replace(/\.ts$/, "");
      if (to.startsWith("..")) continue;
      found.push({
        from,
        to,
        fromRoom: from.split("/")[0] as string,
        toRoom: to.split("/")[0] as string,
      });
    }
  }
  return found;
}

describe("the rooms of src/", () => {
  const all = arrows();

  test("every room has its place in the layers", () => {
    const rooms = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(rooms.filter((room) => !layerOf.has(room))).toEqual([]);
  });

  test("no import runs back up the layers", () => {
    const upward = all
      .filter((a) => a.fromRoom !== a.toRoom)
      .filter((a) => (layerOf.get(a.toRoom) ?? 0) < (layerOf.get(a.fromRoom) ?? 0))
      .map((a) => `${a.from} -> ${a.to}`);
    expect(upward).toEqual([]);
  });

  test("the CLI loads nothing of what the daemon owns, but for the named exceptions", () => {
    const owned = all
      .filter((a) => a.fromRoom === "cli" && CLI_OWNED.has(a.toRoom))
      .map((a) => `${a.from} -> ${a.to}`)
      .filter((arrow) => !(arrow in CLI_EXCEPTIONS));
    expect(owned).toEqual([]);
  });

  test("only the named commands open the database in their own process", () => {
    const opening = all
      .filter((a) => a.fromRoom === "cli" && a.from !== "cli/context.ts" && OPENS_HOME.has(a.to))
      .map((a) => `${a.from} -> ${a.to}`)
      .filter((arrow) => !(arrow in OPENS_HOME_EXCEPTIONS));
    expect(opening).toEqual([]);
  });

  test("each named exception is still needed", () => {
    const present = new Set(all.map((a) => `${a.from} -> ${a.to}`));
    const named = [...Object.keys(CLI_EXCEPTIONS), ...Object.keys(OPENS_HOME_EXCEPTIONS)];
    expect(named.filter((arrow) => !present.has(arrow))).toEqual([]);
  });

  test("the test finds arrows (it cannot pass on an empty tree)", () => {
    expect(all.length).toBeGreaterThan(300);
    expect(all.some((a) => a.from === "cli/send.ts" && a.toRoom === "daemon")).toBe(true);
  });
});
