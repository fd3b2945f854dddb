import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removePeer } from "../../src/lifecycle/control";
import { createPeer, initPeer } from "../../src/registry/create";
import { profilePath, readProfile } from "../../src/registry/profile";
import { getPeer, listPeers } from "../../src/registry/registry";
import { verifyRegistry } from "../../src/registry/verify";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

describe("create", () => {
  test("writes the profile into the peer's folder and projects it into the registry", () => {
    const sb = sandbox();
    const host = sb.host();
    const r = createPeer(host, {
      name: "ana",
      runtime: "echo",
      description: "says back what it hears",
    });
    if (!r.ok) throw new Error(r.error);
    const folder = join(sb.layout.peersDir, "ana");
    expect(r.value.cwd).toBe(folder);
    expect(JSON.parse(readFileSync(profilePath(folder), "utf8"))).toEqual({
      version: 1,
      personality: "ana",
      runtimes: ["echo"],
      defaultRuntime: "echo",
      description: "says back what it hears",
      intelligence: "absent",
      wake: "on-demand",
      settings: {},
    });
    expect(getPeer(host.store, "ana")?.cwd).toBe(folder);
  });

  test("defaults intelligence from the runtime and keeps a command runtime's command", () => {
    const sb = sandbox();
    const host = sb.host();
    const r = createPeer(host, {
      name: "aider",
      runtime: "command",
      command: "aider --yes",
      alwaysOn: true,
    });
    if (!r.ok) throw new Error(r.error);
    expect(r.value.profile).toMatchObject({
      intelligence: "artificial",
      wake: "always-on",
      settings: { command: { command: "aider --yes" } },
    });
    const claude = createPeer(host, { name: "cl", runtime: "claude" });
    expect(claude.ok && claude.value.profile.intelligence).toBe("artificial");
    const tg = createPeer(host, { name: "tg", runtime: "telegram" });
    expect(tg.ok && tg.value.profile.intelligence).toBe("natural");
  });

  test("a taken name or folder is refused, never suffixed, and nothing changes", () => {
    const sb = sandbox();
    const host = sb.host();
    expect(createPeer(host, { name: "ana", runtime: "echo" }).ok).toBe(true);
    const again = createPeer(host, { name: "ana", runtime: "codex" });
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.error).toContain("a peer named ana already exists");
    const sameFolder = createPeer(host, {
      name: "bob",
      runtime: "echo",
      path: join(sb.layout.peersDir, "ana"),
    });
    expect(sameFolder.ok).toBe(false);
    if (!sameFolder.ok) expect(sameFolder.error).toContain("already the folder of peer ana");
    expect(listPeers(host.store).map((p) => p.personality)).toEqual(["ana"]);
    expect(
      readProfile(join(sb.layout.peersDir, "ana")).ok &&
        readProfile(join(sb.layout.peersDir, "ana")),
    ).toMatchObject({ value: { defaultRuntime: "echo" } });
  });

  test.each([
    [{ name: "x", runtime: "gpt" }, "unknown runtime"],
    [{ name: "x", runtime: "command" }, 'needs a "command"'],
    [{ name: "x", runtime: "echo", description: "d".repeat(451) }, "the limit is 450"],
    [
      { name: "x", runtime: "command", command: "x", intelligence: "robot" as never },
      "intelligence must be one of",
    ],
  ])("bad input %o is refused", (input, expected) => {
    const sb = sandbox();
    const r = createPeer(sb.host(), input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(expected);
    expect(readdirSync(sb.layout.peersDir)).toEqual([]);
  });
});

describe("init", () => {
  test.each([
    ["My Project", "my-project"],
    ["Агент Смит", "agent-smit"],
    ["Αθήνα", "athina"],
    ["Crème Brûlée", "creme-brulee"],
  ])("the folder %p becomes peer %p", (folderName, personality) => {
    const sb = sandbox();
    const dir = join(sb.config.home, "work", folderName);
    mkdirSync(dir, { recursive: true });
    const r = initPeer(sb.host(), dir, { runtime: "echo" });
    if (!r.ok) throw new Error(r.error);
    expect(r.value.personality).toBe(personality);
    expect(existsSync(profilePath(dir))).toBe(true);
  });

  test("a folder name that gives no valid name is an error; --name overrides it", () => {
    const sb = sandbox();
    const dir = join(sb.config.home, "2024-notes");
    mkdirSync(dir);
    const r = initPeer(sb.host(), dir, { runtime: "echo" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("does not start with a letter");
    expect(initPeer(sb.host(), dir, { runtime: "echo", name: "notes" }).ok).toBe(true);
  });

  test("an unregistered profile is adopted as it is; a registered folder is refused", () => {
    const sb = sandbox();
    const host = sb.host();
    const made = createPeer(host, { name: "ana", runtime: "echo", description: "keep me" });
    if (!made.ok) throw new Error(made.error);
    host.store.db.run("DELETE FROM peers");
    const adopted = initPeer(host, made.value.cwd, { runtime: "codex" });
    expect(adopted.ok && adopted.value).toMatchObject({
      adopted: true,
      personality: "ana",
      profile: { description: "keep me", runtimes: ["echo"] },
    });
    const again = initPeer(host, made.value.cwd, { runtime: "echo" });
    expect(again.ok).toBe(false);
  });
});

describe("remove and verify", () => {
  test("remove drops the registry entry and sets the profile aside; the folder stays", async () => {
    const sb = sandbox();
    const host = sb.host();
    const made = createPeer(host, { name: "ana", runtime: "echo" });
    if (!made.ok) throw new Error(made.error);
    writeFileSync(join(made.value.cwd, "notes.md"), "mine");
    const r = await removePeer(host, "ana");
    expect(r.ok).toBe(true);
    expect(getPeer(host.store, "ana")).toBeUndefined();
    expect(readFileSync(join(made.value.cwd, "notes.md"), "utf8")).toBe("mine");
    expect(existsSync(profilePath(made.value.cwd))).toBe(false);
    expect(
      readdirSync(join(made.value.cwd, ".iapeer")).some((f) => f.startsWith("peer.json.removed-")),
    ).toBe(true);
    expect((await removePeer(host, "ana")).ok).toBe(false);
    expect(verifyRegistry(host, false).ok).toBe(true);
  });

  test("a registry that lost rows or went stale is rebuilt from the profiles", () => {
    const sb = sandbox();
    const host = sb.host();
    for (const name of ["ana", "bob", "cy"]) createPeer(host, { name, runtime: "echo" });
    host.store.db.run("DELETE FROM peers WHERE personality IN ('ana', 'bob')");
    const profile = JSON.parse(readFileSync(profilePath(join(sb.layout.peersDir, "cy")), "utf8"));
    writeFileSync(
      profilePath(join(sb.layout.peersDir, "cy")),
      JSON.stringify({ ...profile, description: "edited by hand" }),
    );
    const report = verifyRegistry(host, false);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => `${p.peer}: ${p.problem}`).sort()).toEqual([
      "ana: has a profile but is not registered",
      "bob: has a profile but is not registered",
      "cy: the registry is out of date with the profile",
    ]);
    const fixed = verifyRegistry(host, true);
    expect(fixed).toMatchObject({ fixed: true, peers: 3 });
    expect(listPeers(host.store).map((p) => p.personality)).toEqual(["ana", "bob", "cy"]);
    expect(getPeer(host.store, "cy")?.profile.description).toBe("edited by hand");
    expect(verifyRegistry(host, false).ok).toBe(true);
  });

  test("a corrupt state database is set aside and rebuilt by verify --fix", () => {
    const sb = sandbox();
    const host = sb.host();
    for (const name of ["ana", "bob"]) createPeer(host, { name, runtime: "echo" });
    host.store.close();
    writeFileSync(sb.layout.dbPath, "garbage ".repeat(1000));
    for (const suffix of ["-wal", "-shm"]) writeFileSync(sb.layout.dbPath + suffix, "");
    const broken = runSource(["list"], sb.env);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("iapeer verify --fix");
    const fix = runSource(["verify", "--fix", "--json"], sb.env);
    expect(JSON.parse(fix.stdout)).toMatchObject({ fixed: true, peers: 2 });
    const list = JSON.parse(runSource(["list", "--json"], sb.env).stdout);
    expect(list.map((p: { personality: string }) => p.personality)).toEqual(["ana", "bob"]);
    expect(readdirSync(sb.layout.stateDir).some((f) => f.startsWith("iapeer.db.corrupt-"))).toBe(
      true,
    );
  });
});
