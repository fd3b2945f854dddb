import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Tmux } from "../../src/tmux/client";
import { ROOT, runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { until } from "../helpers/until";

describe("attach", () => {
  test("attach nosuch without a terminal says there is no such peer, exit 1", () => {
    const { env } = sandbox();
    const r = runSource(["attach", "nosuch"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("iapeer: no peer named nosuch; see `iapeer list`\n");
  });
});

describe("edit with neither VISUAL nor EDITOR", () => {
  test("on a terminal it opens vi, as git does (stderr redirected or not)", async () => {
    const sb = sandbox({ VISUAL: "", EDITOR: "" });
    expect(runSource(["create", "ana", "--runtime", "echo"], sb.env).code).toBe(0);
    // A stand-in vi first on PATH: it says which file it was given, and changes nothing.
    const bin = join(sb.config.home, "bin");
    mkdirSync(bin);
    const ran = join(sb.config.home, "vi-ran");
    writeFileSync(join(bin, "vi"), `#!/bin/sh\nprintf '%s' "$1" > '${ran}'\n`);
    chmodSync(join(bin, "vi"), 0o755);
    const done = join(sb.config.home, "edit-exit");
    const main = join(ROOT, "src", "cli", "main.ts");
    const tmux = new Tmux(join(sb.config.home, "edit.sock"));
    const env = Object.entries({ ...sb.env, PATH: `${bin}:${sb.env.PATH}`, NO_COLOR: "1" })
      .map(([k, v]) => `${k}='${v}'`)
      .join(" ");
    const started = tmux.run([
      "new-session",
      "-d",
      "-s",
      "edit",
      `env -i ${env} '${process.execPath}' '${main}' edit ana 2>/dev/null; echo $? > '${done}'; sleep 60`,
    ]);
    expect(started.ok).toBe(true);
    try {
      await until(() => existsSync(done) && readFileSync(done, "utf8").endsWith("\n"), "edit ends");
      expect(readFileSync(done, "utf8").trim()).toBe("0");
      expect(readFileSync(ran, "utf8")).toEndWith("ana.peer.json");
    } finally {
      await tmux.killServer();
    }
  });

  test("without a terminal it is refused in one line naming both, exit 2", () => {
    const sb = sandbox({ VISUAL: "", EDITOR: "" });
    expect(runSource(["create", "ana", "--runtime", "echo"], sb.env).code).toBe(0);
    const r = runSource(["edit", "ana"], sb.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("set $VISUAL or $EDITOR (vi, the fallback, needs a terminal");
  });
});
