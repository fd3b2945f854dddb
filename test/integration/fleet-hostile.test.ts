import { describe, expect, test } from "bun:test";
import { chmodSync, closeSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { firstInvalidUtf8 } from "../../src/fleet/bounds";
import { ROOT, runSource } from "../helpers/cli";
import { type Sandbox, sandbox } from "../helpers/sandbox";
import { tempDir } from "../helpers/temp";

/**
 * Fleet files, `set` and `edit` under hostile input: a file too big or with too many keys is
 * refused before Bun's TOML parser (superlinear) runs; invalid UTF-8 and control characters are
 * refused with their line; nothing is created or changed. Runs of one file at once converge.
 */

function home(): {
  sb: Sandbox;
  dir: string;
  cli: (args: string[], env?: Record<string, string>) => ReturnType<typeof runSource>;
} {
  const dir = tempDir();
  const sb = sandbox({
    IAPEER_PORT: "0",
    IAPEER_SERVICE_MANAGER: "none",
    IAPEER_SYSTEMD_DIR: join(dir, "units"),
    VISUAL: "",
    EDITOR: "",
  });
  return { sb, dir, cli: (args, env = {}) => runSource(args, { ...sb.env, ...env }) };
}

const peers = (cli: (args: string[]) => ReturnType<typeof runSource>): string[] =>
  (JSON.parse(cli(["list", "--json"]).stdout) as { personality: string }[]).map(
    (r) => r.personality,
  );

/** A refusal is exit 2 and one line on stderr. */
function refused(r: ReturnType<typeof runSource>, ...words: string[]): void {
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  for (const w of words) expect(r.stderr).toContain(w);
}

describe("a hostile fleet file is refused fast, before it is parsed", () => {
  test("50,000 keys: refused well before the parser's 12 s, one line, nothing created", () => {
    const { dir, cli } = home();
    const file = join(dir, "iapeer.toml");
    const keys = Array.from({ length: 50_000 }, (_, i) => `k${i} = "v"`).join("\n");
    writeFileSync(file, `[peers.ana]\nruntime = "echo"\n${keys}\n`);
    const started = performance.now();
    const r = cli(["up", file]);
    const ms = performance.now() - started;
    refused(r, `${file}: it has 50002 keys and tables, the limit is 5000`);
    expect(ms).toBeLessThan(8000);
    expect(peers(cli)).toEqual([]);
  });

  test("50 MB: refused without reading it, one line", () => {
    const { dir, cli } = home();
    const file = join(dir, "iapeer.toml");
    const fd = openSync(file, "w");
    const chunk = Buffer.from(`# ${"x".repeat(1021)}\n`);
    for (let i = 0; i < 50 * 1024; i++) writeSync(fd, chunk);
    closeSync(fd);
    const started = performance.now();
    const r = cli(["up", file]);
    expect(performance.now() - started).toBeLessThan(8000);
    refused(r, "it is 52428800 bytes, the limit is 1048576 (1 MiB)");
    expect(peers(cli)).toEqual([]);
  });

  test("many tables (headers) count as keys too", () => {
    const { dir, cli } = home();
    const file = join(dir, "iapeer.toml");
    writeFileSync(file, Array.from({ length: 6000 }, (_, i) => `[peers.p${i}]`).join("\n"));
    refused(cli(["up", file]), "the limit is 5000");
  });

  test("invalid UTF-8 is refused naming its line, never stored as U+FFFD", () => {
    const { dir, cli } = home();
    const file = join(dir, "iapeer.toml");
    const head = Buffer.from('[peers.ana]\nruntime = "echo"\ndescription = "caf');
    writeFileSync(file, Buffer.concat([head, Buffer.from([0xe9]), Buffer.from('"\n')]));
    refused(cli(["up", file]), `${file}:3: not valid UTF-8 (byte 0xe9)`);
    expect(peers(cli)).toEqual([]);
  });

  test("a control character in a description, a command or a path is refused with its line", () => {
    const { dir, cli } = home();
    const file = join(dir, "iapeer.toml");
    for (const [line, key, what] of [
      ['description = "hi\\u001b[2J"', "description", "ESC, U+001B"],
      ['description = """two\nlines"""', "description", "LF, U+000A"],
      ['prompt = "$\\r "', "prompt", "CR, U+000D"],
      ['path = "a\\u0007b"', "path", "U+0007"],
    ] as const) {
      writeFileSync(
        file,
        `[peers.sh]\nruntime = "command"\ncommand = "sh"\nformat = "text"\n${line}\n`,
      );
      const r = cli(["up", file]);
      refused(r, `peers.sh.${key}: the value holds a control character (${what})`);
      expect(r.stderr).toMatch(/iapeer\.toml:[45]:/);
    }
    expect(peers(cli)).toEqual([]);
  });

  test("a key holding ESC and a newline is quoted escaped, on one line", () => {
    const { dir, cli } = home();
    const file = join(dir, "iapeer.toml");
    writeFileSync(file, '[peers.ana]\nruntime = "echo"\n"k\\u001b[2J\\nx" = 1\n');
    const r = cli(["up", file]);
    refused(r, "peers.ana.k\\u001b[2J\\u000ax: unknown key");
    expect(r.stderr).not.toContain("\u001b");
  });

  test("the UTF-8 check finds the first bad byte: overlong forms, surrogates, cut sequences", () => {
    const at = (...b: number[]) => firstInvalidUtf8(new Uint8Array(b));
    expect(at(0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80)).toBe(-1);
    expect(at(0x61, 0xc0, 0x80)).toBe(1); // overlong NUL
    expect(at(0xed, 0xa0, 0x80)).toBe(0); // a surrogate
    expect(at(0x61, 0x62, 0xe2, 0x82)).toBe(2); // cut short
    expect(at(0xf4, 0x90, 0x80, 0x80)).toBe(0); // past U+10FFFF
    expect(at(0x80)).toBe(0); // a lone continuation byte
  });
});

describe("set and edit refuse control characters in one-line settings", () => {
  test("set: ESC or a newline in a description or a command is exit 2, the profile unchanged", () => {
    const { sb, cli } = home();
    expect(cli(["create", "sh", "--runtime", "command", "--command", "bash"]).code).toBe(0);
    const profile = join(sb.layout.peersDir, "sh", ".iapeer", "peer.json");
    const before = readFileSync(profile, "utf8");
    for (const [assignment, what] of [
      ["description=a\u001b]0;pwned\u0007b", "the description holds a control character (ESC"],
      ["description=one\ntwo", "the description holds a control character (LF"],
      ["command=bash\u001b", "settings.command.command holds a control character (ESC"],
      ["prompt=$\u0001", "settings.command.prompt holds a control character (U+0001"],
    ] as const) {
      refused(cli(["set", "sh", assignment]), what);
      expect(readFileSync(profile, "utf8")).toBe(before);
    }
  });

  test("edit: an edited profile with an ESC in its description is refused, the profile unchanged", () => {
    const { sb, cli } = home();
    expect(cli(["create", "sh", "--runtime", "command", "--command", "bash"]).code).toBe(0);
    const profile = join(sb.layout.peersDir, "sh", ".iapeer", "peer.json");
    const before = readFileSync(profile, "utf8");
    const editor = join(tempDir(), "editor.sh");
    writeFileSync(
      editor,
      `#!/bin/sh\nsed -i 's/"description": ""/"description": "x\\\\u001b[31my"/' "$1"\n`,
    );
    chmodSync(editor, 0o755);
    const r = cli(["edit", "sh"], { EDITOR: editor });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the description holds a control character (ESC");
    expect(readFileSync(profile, "utf8")).toBe(before);
  });
});

describe("runs of one fleet file at once", () => {
  test("three racing `up`s serialise and converge: each exits 0, each peer made once and live", async () => {
    const { sb, dir, cli } = home();
    const file = join(dir, "iapeer.toml");
    writeFileSync(
      file,
      [
        '[peers.ana]\nruntime = "echo"',
        '[peers.bob]\nruntime = "echo"\ndescription = "b"',
        '[peers.cy]\nruntime = "echo"',
      ].join("\n\n"),
    );
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith("IAPEER_")) base[k] = v;
    const procs = Array.from({ length: 3 }, () =>
      Bun.spawn([process.execPath, join(ROOT, "src", "cli", "main.ts"), "up", file, "--json"], {
        env: { ...base, NO_COLOR: "1", ...sb.env },
        stdout: "pipe",
        stderr: "pipe",
      }),
    );
    const results = await Promise.all(
      procs.map(async (p) => ({
        code: await p.exited,
        stdout: await new Response(p.stdout).text(),
        stderr: await new Response(p.stderr).text(),
      })),
    );
    for (const r of results) {
      expect(r.stderr).not.toContain("already exists");
      expect(r.code).toBe(0);
    }
    const reports = results.map(
      (r) => JSON.parse(r.stdout) as { ok: boolean; peers: { peer: string; action: string }[] },
    );
    // Exactly one run made each peer; the others found it as the file says.
    for (const name of ["ana", "bob", "cy"]) {
      const actions = reports.map((r) => r.peers.find((p) => p.peer === name)?.action).sort();
      expect(actions).toEqual(["created", "unchanged", "unchanged"]);
    }
    const rows = JSON.parse(cli(["list", "--json"]).stdout) as {
      personality: string;
      state: string;
    }[];
    expect(rows.map((r) => r.personality).sort()).toEqual(["ana", "bob", "cy"]);
    for (const row of rows) expect(row.state).toBe("live");
  }, 120_000);
});
