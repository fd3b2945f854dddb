import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { receivedLog } from "../../src/agent/echo-agent";
import { plainText } from "../../src/codec/plain-text";
import type { Host } from "../../src/home/host";
import { wakeOrSpawn } from "../../src/lifecycle/wake";
import { createPeer } from "../../src/registry/create";
import { profilePath, validateProfile } from "../../src/registry/profile";
import { commandAdapter, DEFAULT_COMMAND_PROMPT } from "../../src/runtimes/command";
import { checkPrompt } from "../../src/runtimes/prompt";
import { inputArea, inputLine } from "../../src/runtimes/screen";
import type { RuntimeSettings } from "../../src/runtimes/types";
import { Tmux } from "../../src/tmux/client";
import { awaitInputLine } from "../../src/transport/await-input";
import { Dispatcher } from "../../src/transport/dispatcher";
import { getMessage } from "../../src/transport/messages";
import { send } from "../../src/transport/send";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

describe("prompts", () => {
  test("a literal prompt matches its empty input line, whose trailing space tmux dropped", () => {
    expect(inputLine("banner\nsh>", "sh> ")).toBe("");
    expect(inputLine("sh> echo hi\nhi\nsh> ls -l", "sh> ")).toBe("ls -l");
    expect(inputLine("sh>echo", "sh> ")).toBeUndefined();
    expect(inputLine("Python 3.11\n>>>", ">>> ")).toBe("");
  });

  test("a /regex/ prompt is matched at the start of a line", () => {
    const shell = "/\\S+[$#] /";
    expect(inputLine("root@box:/srv/app# ls", shell)).toBe("ls");
    expect(inputLine("output\nbash-5.2$", shell)).toBe("");
    expect(inputLine("no prompt here", shell)).toBeUndefined();
  });

  test("the default prompt is a first word ending in >; a shell's $ is not one", () => {
    for (const [screen, input] of [
      [">>> x = 1", "x = 1"],
      ["sqlite> select 1;", "select 1;"],
      ["> fix the bug", "fix the bug"],
      ["ask> why", "why"],
      [">>>", ""],
    ] as const)
      expect(inputLine(screen, DEFAULT_COMMAND_PROMPT)).toBe(input);
    expect(inputLine("$ ls", DEFAULT_COMMAND_PROMPT)).toBeUndefined();
  });

  test("glyph prompts read as before: inside a box, without its border", () => {
    expect(inputLine("╭───╮\n│ ❯ hello  │\n╰───╯", "❯")).toBe("hello");
    expect(inputLine("› Ask", "›")).toBe("Ask");
  });

  test("a multi-line paste into a shell is all in the input area", () => {
    const screen = "sh> echo one >> out.txt\necho two >> out.txt\n\n\n";
    expect(inputLine(screen, "sh> ")).toBe("echo one >> out.txt");
    expect(inputArea(screen, "sh> ")).toBe("echo one >> out.txt\necho two >> out.txt");
    expect(inputArea(`${screen}one\ntwo\nsh>\n\n`, "sh> ")).toBe("");
  });

  test.each([
    ["", "must show something"],
    ["   ", "must show something"],
    ["a\nb", "one line"],
    ["/(/", "invalid prompt pattern /(/"],
    ["/ */", "matches a blank line"],
    ["/x?/", "matches a blank line"],
  ])("the prompt %p is refused", (spec, error) => {
    expect(checkPrompt(spec)).toContain(error);
  });

  test("good prompts pass", () => {
    for (const spec of ["sh> ", ">>> ", "$", "/\\S+[$#] /", DEFAULT_COMMAND_PROMPT, "/"])
      expect(checkPrompt(spec)).toBeUndefined();
  });
});

describe("command runtime readiness and settings", () => {
  test("with a prompt, ready once an empty input line with it shows", () => {
    const py: RuntimeSettings = { prompt: ">>> " };
    expect(commandAdapter.classify("Python 3.11.7\nType help", py)).toEqual({ kind: "booting" });
    expect(commandAdapter.classify("Python 3.11.7\n>>>", py)).toEqual({ kind: "ready" });
    expect(commandAdapter.classify(">>> import os", py)).toEqual({ kind: "booting" });
    expect(commandAdapter.classify("", { ready: "^ok$" })).toEqual({ kind: "booting" });
    expect(commandAdapter.classify("", {})).toEqual({ kind: "ready" });
  });

  test("text: the body alone, terminal-safe, one trailing line break left to Enter", () => {
    expect(plainText("echo hi\r\n")).toEqual({ ok: true, value: "echo hi" });
    expect(plainText("for x in y:\n    f(x)\n\n")).toEqual({
      ok: true,
      value: "for x in y:\n    f(x)\n",
    });
    expect(plainText("a\u001b[201~b")).toEqual({ ok: true, value: "a␛[201~b" });
    expect(plainText(" \n").ok).toBe(false);
    expect(plainText("x".repeat(16_001)).ok).toBe(false);
  });

  const profile = (runtime: string, settings: RuntimeSettings) =>
    validateProfile({ personality: "ana", runtimes: [runtime], settings: { [runtime]: settings } });

  test.each([
    ["command", { command: "bash", format: "xml" }, "format must be one of envelope, text"],
    ["telegram", { format: "text" }, "always gets the envelope"],
    ["command", { command: "bash", prompt: "/(/" }, "invalid prompt pattern"],
    ["command", { command: "bash", prompt: 7 }, "prompt must be a string"],
    ["command", { command: "bash", ready: "(" }, "invalid ready pattern"],
  ])("a %s profile with %o is refused", (runtime, settings, error) => {
    const r = profile(runtime, settings as RuntimeSettings);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(error);
  });

  test("format and prompt are kept; format works for claude, codex and echo too", () => {
    expect(profile("command", { command: "bash", prompt: "sh> ", format: "text" }).ok).toBe(true);
    for (const rt of ["claude", "codex", "echo"])
      expect(profile(rt, { format: "text" }).ok).toBe(true);
  });
});

function commandPeer(host: Host, name: string, command: string, settings: RuntimeSettings = {}) {
  const r = createPeer(host, { name, runtime: "command", command, settings });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const contents = (path: string): string => (existsSync(path) ? readFileSync(path, "utf8") : "");

const BASH = "env PS1='sh> ' bash --norc --noprofile -i";

describe("typing into real programs (format text)", () => {
  test("bash: an asleep peer is woken and each command runs exactly once, by the time it is delivered", async () => {
    const sb = sandbox();
    const host = sb.host();
    const sh = commandPeer(host, "sh", BASH, { prompt: "sh> ", format: "text" });
    const out = join(sh.cwd, "out.txt");
    const d = new Dispatcher(host);
    const first = await send(
      host,
      d,
      { from: "human", to: "sh", body: "echo hi >> out.txt" },
      true,
    );
    expect(first.outcome).toMatchObject({ ok: true, outcome: "delivered", woke: true });
    expect(contents(out)).toBe("hi\n"); // delivered: submitted, and the prompt back
    expect(getMessage(host.store, first.outcome.id as string)?.attempts).toBe(1);

    // Pasted bracketed, bash takes all the lines as one input on Enter.
    const multi = await send(
      host,
      d,
      { from: "human", to: "sh", body: "echo two >> out.txt\necho three >> out.txt\n" },
      true,
    );
    expect(multi.outcome).toMatchObject({ outcome: "delivered", woke: false });
    expect(contents(out)).toBe("hi\ntwo\nthree\n");
    const quoted = await send(
      host,
      d,
      { from: "human", to: "sh", body: `printf '%s\\n' "a <b> & 'c'" >> out.txt` },
      true,
    );
    expect(quoted.outcome.outcome).toBe("delivered");
    expect(contents(out)).toBe("hi\ntwo\nthree\na <b> & 'c'\n");
  });

  test("python3 -i: lines, a compound statement and several lines each run once", async () => {
    const sb = sandbox();
    const host = sb.host();
    const py = commandPeer(host, "py", "python3 -i", { prompt: ">>> ", format: "text" });
    const out = join(py.cwd, "out.txt");
    const d = new Dispatcher(host);
    const write = (s: string) => `open('out.txt','a').write('${s}\\n')`;
    const one = await send(host, d, { from: "human", to: "py", body: write("x") }, true);
    expect(one.outcome).toMatchObject({ outcome: "delivered", woke: true });
    expect(contents(out)).toBe("x\n");
    // The blank line that ends the block is the text's own; its last line break is Enter's.
    const block = "for i in range(2):\n    open('out.txt','a').write(f'{i}\\n')\n\n";
    const loop = await send(host, d, { from: "human", to: "py", body: block }, true);
    expect(loop.outcome.outcome).toBe("delivered");
    expect(contents(out)).toBe("x\n0\n1\n");
    // The REPL reads no bracketed paste: each line runs as it arrives, the last on Enter.
    const lines = await send(
      host,
      d,
      { from: "human", to: "py", body: `${write("a")}\n${write("b")}` },
      true,
    );
    expect(lines.outcome.outcome).toBe("delivered");
    expect(contents(out)).toBe("x\n0\n1\na\nb\n");
  });

  test.skipIf(!Bun.which("sqlite3"))("sqlite3: each statement runs once", async () => {
    const sb = sandbox();
    const host = sb.host();
    const db = join(sb.config.home, "notes.db");
    const setup = new Database(db);
    setup.run("CREATE TABLE notes (text TEXT)");
    setup.close();
    commandPeer(host, "sq", `sqlite3 ${db}`, { prompt: "sqlite> ", format: "text" });
    const d = new Dispatcher(host);
    const a = await send(
      host,
      d,
      { from: "human", to: "sq", body: "INSERT INTO notes VALUES ('one');" },
      true,
    );
    expect(a.outcome).toMatchObject({ outcome: "delivered", woke: true });
    const b = await send(
      host,
      d,
      {
        from: "human",
        to: "sq",
        body: "INSERT INTO notes VALUES ('two');\nINSERT INTO notes VALUES ('three');",
      },
      true,
    );
    expect(b.outcome.outcome).toBe("delivered");
    const check = new Database(db, { readonly: true });
    const rows = check.query("SELECT text FROM notes").all() as { text: string }[];
    check.close();
    expect(rows.map((r) => r.text)).toEqual(["one", "two", "three"]);
  });

  test("a line-based CLI with its own prompt, found by a /regex/", async () => {
    const sb = sandbox();
    const host = sb.host();
    const notes = commandPeer(host, "notes", "python3 -u notes.py", {
      prompt: "/note\\[\\d+\\]> /",
      format: "text",
    });
    writeFileSync(
      join(notes.cwd, "notes.py"),
      [
        "n = 0",
        "while True:",
        "    line = input(f'note[{n}]> ')",
        "    n += 1",
        "    open('notes.txt', 'a').write(line + '\\n')",
        "",
      ].join("\n"),
    );
    const d = new Dispatcher(host);
    for (const body of ["buy milk", "call ana", "tabs\tand <tags>"]) {
      const r = await send(host, d, { from: "human", to: "notes", body }, true);
      expect(r.outcome.outcome).toBe("delivered");
    }
    expect(contents(join(notes.cwd, "notes.txt"))).toBe("buy milk\ncall ana\ntabs\tand <tags>\n");
  });

  test("with neither prompt nor ready, the first send waits for a slow program instead of spending its attempts", async () => {
    const sb = sandbox();
    const host = sb.host();
    const py = commandPeer(host, "slow", "sh -c 'sleep 2; exec python3 -i'", { format: "text" });
    const r = await send(
      host,
      new Dispatcher(host),
      { from: "human", to: "slow", body: "open('out.txt','a').write('once\\n')" },
      true,
    );
    expect(r.outcome).toMatchObject({ outcome: "delivered", woke: true });
    expect(getMessage(host.store, r.outcome.id as string)?.attempts).toBe(1);
    expect(contents(join(py.cwd, "out.txt"))).toBe("once\n");
  });

  test("Enter is pressed once: a command still running is unconfirmed, and gets no second Enter", async () => {
    const sb = sandbox();
    const host = sb.host();
    const sh = commandPeer(host, "sh", BASH, { prompt: "sh> ", format: "text" });
    const out = join(sh.cwd, "out.txt");
    const d = new Dispatcher(host, { draftWaitMs: 30_000, confirmMs: 1500, enterRetries: 2 });
    const r = await send(
      host,
      d,
      { from: "human", to: "sh", body: 'read x; echo "got:$x" >> out.txt' },
      true,
    );
    expect(r.outcome.outcome).toBe("unconfirmed");
    // A retried Enter would have been read by `read` at once.
    expect(existsSync(out)).toBe(false);
    await sb.tmux(sb.identity("command", "sh")).sendKeys("command-sh", ["later", "Enter"]);
    await until(() => contents(out) === "got:later\n", "the program to get the later line");
  });

  test("a wrong prompt: the wait for the input line ends with the screen quoted", async () => {
    const sb = sandbox();
    const host = sb.host();
    commandPeer(host, "sh", BASH, { prompt: "sh> ", format: "text" });
    const woke = await wakeOrSpawn(host, "sh");
    if (!woke.ok) throw new Error(woke.error);
    const tmux = new Tmux(woke.session.socket);
    const r = await awaitInputLine(tmux, "command-sh", { prompt: "$ ", settleMs: 0 }, 300);
    expect(r).toEqual({
      ok: false,
      gone: false,
      error: `no input line (prompt $ ) on the screen after 300ms; if the program shows another prompt, set the peer's "prompt"; last output: "sh>"`,
    });
    expect(
      await awaitInputLine(tmux, "command-sh", { prompt: "sh> ", settleMs: 0 }, 300),
    ).toMatchObject({ ok: true });
  });

  test("format text works for the echo agent too: it records the body alone", async () => {
    const sb = sandbox();
    const host = sb.host();
    const ana = createPeer(host, { name: "ana", runtime: "echo", settings: { format: "text" } });
    if (!ana.ok) throw new Error(ana.error);
    const r = await send(
      host,
      new Dispatcher(host),
      { from: "human", to: "ana", body: "hi" },
      true,
    );
    expect(r.outcome.outcome).toBe("delivered");
    const lines = readFileSync(receivedLog(ana.value.cwd), "utf8").trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { text: string }).text)).toEqual(["hi"]);
  });
});

describe("the CLI", () => {
  test("create --prompt --ready --format are stored; send types into bash", () => {
    const sb = sandbox();
    const made = runSource(
      [
        "create",
        "sh1",
        "--runtime",
        "command",
        "--command",
        "bash",
        "--prompt",
        "/\\S+[$#] /",
        "--ready",
        "[$#]$",
        "--format",
        "text",
        "--json",
      ],
      sb.env,
    );
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout).profile.settings).toEqual({
      command: { command: "bash", prompt: "/\\S+[$#] /", ready: "[$#]$", format: "text" },
    });
    const sent = runSource(["send", "sh1", "-m", "echo hi >> out.txt", "--json"], sb.env);
    expect(JSON.parse(sent.stdout)).toMatchObject({ outcome: "delivered", woke: true });
    expect(sent.code).toBe(0);
    expect(contents(join(sb.layout.peersDir, "sh1", "out.txt"))).toBe("hi\n");
  });

  test("a command peer made without --format is told it gets envelopes", () => {
    const sb = sandbox();
    const r = runSource(["create", "ai", "--runtime", "command", "--command", "cat"], sb.env);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain("--format text");
  });

  test.each([
    [
      ["--runtime", "command", "--command", "bash", "--prompt", "/(/"],
      "--prompt: invalid prompt pattern /(/",
    ],
    [
      ["--runtime", "command", "--command", "bash", "--ready", "("],
      "--ready: invalid ready pattern",
    ],
    [
      ["--runtime", "command", "--command", "bash", "--format", "xml"],
      "--format must be envelope or text",
    ],
    [["--runtime", "echo", "--command", "bash"], "--command is only for the command runtime"],
    [["--runtime", "echo", "--prompt", "> "], "--prompt is only for the command runtime"],
    [["--runtime", "claude", "--ready", "x"], "--ready is only for the command runtime"],
    [["--runtime", "telegram", "--format", "text"], "--format is not for the telegram runtime"],
  ])("create x %p is bad usage (exit 2), one line, nothing written", (flags, error) => {
    const sb = sandbox();
    const r = runSource(["create", "x", ...flags], sb.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith(`iapeer: ${error}`);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(readdirSync(sb.layout.peersDir)).toEqual([]);
    expect(JSON.parse(runSource(["list", "--json"], sb.env).stdout)).toEqual([]);
  });

  test("init takes the same flags and refuses the same mistakes", () => {
    const sb = sandbox();
    const dir = join(sb.config.home, "work", "shell");
    mkdirSync(dir, { recursive: true });
    const bad = runSource(
      ["init", dir, "--runtime", "command", "--command", "bash", "--prompt", "/ +/"],
      sb.env,
    );
    expect(bad.code).toBe(2);
    expect(existsSync(profilePath(dir))).toBe(false);
    const good = runSource(
      [
        "init",
        dir,
        "--runtime",
        "command",
        "--command",
        "bash",
        "--prompt",
        "$ ",
        "--format",
        "text",
        "--json",
      ],
      sb.env,
    );
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout).profile.settings.command).toEqual({
      command: "bash",
      prompt: "$ ",
      format: "text",
    });
  });
});
