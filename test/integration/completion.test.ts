import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ArgDef, CommandDef } from "citty";
import { main } from "../../src/cli/main";
import { BUILTIN_RUNTIMES } from "../../src/core/names";
import { runSource } from "../helpers/cli";
import { shell } from "../helpers/needs";
import { tempDir } from "../helpers/temp";

const FIXTURES = join(import.meta.dir, "..", "fixtures");
const zsh = shell("zsh");
const fish = shell("fish");

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * A throwaway home with peers made through the CLI, and a PATH whose `iapeer` is the CLI under
 * test (the compiled binary when IAPEER_TEST_BINARY is set), as the scripts call it for names.
 */
function home(peers: string[] = []): { env: Record<string, string>; dir: string } {
  const dir = tempDir();
  const bin = join(dir, "bin");
  const iapeer = process.env.IAPEER_TEST_BINARY
    ? quote(process.env.IAPEER_TEST_BINARY)
    : `${quote(process.execPath)} ${quote(join(import.meta.dir, "..", "..", "src", "cli", "main.ts"))}`;
  mkdirSync(bin);
  writeFileSync(join(bin, "iapeer"), `#!/bin/sh\nexec ${iapeer} "$@"\n`);
  chmodSync(join(bin, "iapeer"), 0o755);
  const env = {
    HOME: dir,
    IAPEER_HOME: dir,
    PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
    LANG: "C.UTF-8",
  };
  for (const peer of peers) {
    const made = runSource(["create", peer, "--runtime", "echo"], env);
    expect(made.code).toBe(0);
  }
  // create started the daemon, which made them; what follows must start none of its own.
  if (peers.length > 0) expect(runSource(["daemon", "stop"], env).code).toBe(0);
  return { env, dir };
}

/** The script `iapeer completion <shell>` prints, in a file of the home. */
function script(shell: string, dir: string): string {
  const r = Bun.spawnSync([join(dir, "bin", "iapeer"), "completion", shell], {
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(r.stderr.toString()).toBe("");
  expect(r.exitCode).toBe(0);
  const file = join(dir, shell === "zsh" ? "_iapeer" : `iapeer.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

/**
 * What bash's completion function offers for each line (its words, the last one being
 * completed), the way readline calls it: COMP_WORDS and COMP_CWORD set, COMPREPLY read back.
 */
function bashComplete(file: string, lines: string[][], env: Record<string, string>): string[][] {
  const calls = lines.map(
    (words) =>
      `COMP_WORDS=(${words.map(quote).join(" ")}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _iapeer; printf '%s\\n' "\${COMPREPLY[*]}"`,
  );
  const r = Bun.spawnSync(
    ["bash", "--norc", "--noprofile", "-c", [`source ${quote(file)}`, ...calls].join("\n")],
    { env, cwd: env.HOME, stdout: "pipe", stderr: "pipe" },
  );
  expect(r.stderr.toString()).toBe("");
  expect(r.exitCode).toBe(0);
  const out = r.stdout.toString().split("\n").slice(0, lines.length);
  return out.map((line) => (line === "" ? [] : line.split(" ").sort()));
}

describe("iapeer completion bash", () => {
  test("completes commands, nested commands, options, known values and peer names", () => {
    const { env, dir } = home(["bob", "ana"]);
    const file = script("bash", dir);
    writeFileSync(join(dir, "fleet.toml"), "");
    const [
      commands,
      nested,
      sendOptions,
      runtimes,
      inline,
      peers,
      prefix,
      several,
      flagPeer,
      from,
      shells,
      logsPeer,
      setKeys,
      upFile,
      downFile,
    ] = bashComplete(
      file,
      [
        ["iapeer", "se"],
        ["iapeer", "service", ""],
        ["iapeer", "send", "ana", "--"],
        ["iapeer", "create", "x", "--runtime", ""],
        ["iapeer", "send", "ana", "--runtime", "=", "ec"],
        ["iapeer", "send", ""],
        ["iapeer", "send", "-m", "hi", "b"],
        ["iapeer", "stop", "ana", ""],
        ["iapeer", "service", "install", "--peer", ""],
        ["iapeer", "send", "ana", "--from", ""],
        ["iapeer", "completion", ""],
        ["iapeer", "logs", ""],
        ["iapeer", "set", "ana", "desc"],
        ["iapeer", "up", "fle"],
        ["iapeer", "down", "fle"],
      ],
      env,
    );
    expect(logsPeer).toEqual(["ana", "bob"]);
    expect(setKeys).toEqual(["description="]);
    expect(upFile).toEqual(["fleet.toml"]);
    expect(downFile).toEqual(["fleet.toml"]);
    expect(commands).toEqual(["selftest", "send", "service", "set"]);
    expect(nested).toEqual(["install", "status", "uninstall"]);
    // Other options may come; these must be there (the test below holds all of them).
    expect(sendOptions).toEqual(
      expect.arrayContaining(["--message", "--message-file", "--from", "--runtime", "--no-wait"]),
    );
    expect(sendOptions?.every((o) => o.startsWith("--"))).toBe(true);
    expect(runtimes).toEqual([...BUILTIN_RUNTIMES].sort());
    expect(inline).toEqual(["echo"]);
    expect(peers).toEqual(["ana", "bob"]);
    expect(prefix).toEqual(["bob"]);
    expect(several).toEqual(["all", "ana", "bob"]);
    expect(flagPeer).toEqual(["ana", "bob"]);
    expect(from).toEqual(["ana", "bob"]);
    expect(shells).toEqual(["bash", "fish", "zsh"]);
  });

  test("offers every command and every option of the CLI's own definitions", async () => {
    const { env, dir } = home();
    const file = script("bash", dir);
    // Walked here on its own, from the citty definitions src/cli/main.ts registers.
    const resolve = async <T>(v: T | (() => T | Promise<T>) | Promise<T>): Promise<T> =>
      typeof v === "function" ? await (v as () => T | Promise<T>)() : await v;
    const expected: { words: string[]; want: string[] }[] = [];
    const walk = async (cmd: CommandDef, path: string[]): Promise<void> => {
      const args = (cmd.args ? await resolve(cmd.args) : {}) as Record<string, ArgDef>;
      const flags = Object.entries(args).flatMap(([name, def]) => {
        if (def.type === "positional") return [];
        const alias = "alias" in def ? def.alias : undefined;
        const aliases = alias === undefined ? [] : Array.isArray(alias) ? alias : [alias];
        return [name, ...aliases].map((k) => (k.length === 1 ? `-${k}` : `--${k}`));
      });
      expected.push({ words: ["iapeer", ...path, "-"], want: [...flags, "--help", "-h"] });
      const subs = cmd.subCommands ? await resolve(cmd.subCommands) : {};
      const names: string[] = [];
      for (const [name, sub] of Object.entries(subs)) {
        const def = (await resolve(sub)) as CommandDef;
        if ((def.meta ? await resolve(def.meta) : undefined)?.hidden) continue;
        names.push(name);
        await walk(def, [...path, name]);
      }
      if (names.length > 0) expected.push({ words: ["iapeer", ...path, ""], want: names });
    };
    await walk(main, []);
    expect(expected.length).toBeGreaterThan(25);
    const got = bashComplete(
      file,
      expected.map((e) => e.words),
      env,
    );
    const missing = expected.flatMap((e, i) =>
      e.want
        .filter((w) => !got[i]?.includes(w))
        .map((w) => `${e.words.slice(1, -1).join(" ") || "iapeer"}: ${w}`),
    );
    expect(missing).toEqual([]);
  });

  test("an unknown shell is bad input naming the three, and prints no script", () => {
    const r = runSource(["completion", "tcsh"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('iapeer: unknown shell "tcsh": use bash, zsh or fish\n');
  });
});

describe("iapeer list --names", () => {
  test("prints the registry's names, sorted, and starts nothing", () => {
    const { env, dir } = home(["pong", "ping"]);
    const r = runSource(["list", "--names"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("ping\npong\n");
    expect(JSON.parse(runSource(["list", "--names", "--json"], env).stdout)).toEqual([
      "ping",
      "pong",
    ]);
    expect(existsSync(join(dir, "run", "daemon.json"))).toBe(false);
  });

  test("a home with no database gets none made, and no names", () => {
    const { env, dir } = home();
    const r = runSource(["list", "--names"], env);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(existsSync(join(dir, "state", "iapeer.db"))).toBe(false);
  });
});

describe.skipIf(!zsh)("iapeer completion zsh", () => {
  const complete = (folder: string, line: string, env: Record<string, string>): string[] => {
    const r = Bun.spawnSync(["zsh", "-f", join(FIXTURES, "zsh-complete.zsh"), folder, line], {
      env,
      stdout: "pipe",
      stderr: "pipe",
      timeout: 20_000,
    });
    expect(r.exitCode).toBe(0);
    return r.stdout.toString().split("\n").filter(Boolean).sort();
  };

  test("is valid zsh, and completes commands, options and peer names from $fpath", () => {
    const { env, dir } = home(["ana", "bob"]);
    const file = script("zsh", dir);
    expect(Bun.spawnSync(["zsh", "-n", file]).exitCode).toBe(0);
    expect(complete(dir, "iapeer se", env)).toEqual(["selftest", "send", "service", "set"]);
    expect(complete(dir, "iapeer service ", env)).toEqual(["install", "status", "uninstall"]);
    expect(complete(dir, "iapeer send ana --r", env)).toEqual(["--runtime"]);
    expect(complete(dir, "iapeer send ana --runtime ", env)).toEqual([...BUILTIN_RUNTIMES].sort());
    expect(complete(dir, "iapeer send ", env)).toEqual(["ana", "bob"]);
    expect(complete(dir, "iapeer stop ana ", env)).toEqual(["all", "ana", "bob"]);
  });
});

describe.skipIf(!fish)("iapeer completion fish", () => {
  const complete = (file: string, line: string, env: Record<string, string>): string[] => {
    const r = Bun.spawnSync(
      ["fish", "--no-config", "-c", `source ${quote(file)}; complete -C ${quote(line)}`],
      { env, stdout: "pipe", stderr: "pipe", timeout: 20_000 },
    );
    expect(r.stderr.toString()).toBe("");
    return r.stdout
      .toString()
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("\t")[0] as string)
      .sort();
  };

  test("is valid fish, and completes commands, options and peer names", () => {
    const { env, dir } = home(["ana", "bob"]);
    const file = script("fish", dir);
    expect(Bun.spawnSync(["fish", "--no-config", "-n", file]).exitCode).toBe(0);
    expect(complete(file, "iapeer se", env)).toEqual(["selftest", "send", "service", "set"]);
    expect(complete(file, "iapeer service ", env)).toEqual(["install", "status", "uninstall"]);
    expect(complete(file, "iapeer send ana --r", env)).toEqual(["--runtime"]);
    expect(complete(file, "iapeer send ana --runtime ", env)).toEqual([...BUILTIN_RUNTIMES].sort());
    expect(complete(file, "iapeer send ", env)).toEqual(["ana", "bob"]);
    expect(complete(file, "iapeer stop ana ", env)).toEqual(["all", "ana", "bob"]);
  });
});
