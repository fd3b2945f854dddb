import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";
import { tempDir } from "../helpers/temp";

function fleetHome() {
  const dir = tempDir();
  const sb = sandbox({ IAPEER_PORT: "0", IAPEER_SERVICE_MANAGER: "none" });
  const write = (text: string, name = "iapeer.toml") => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const cli = (args: string[]) => runSource(args, sb.env);
  const pidOf = (peer: string) =>
    (JSON.parse(cli(["list", "--json"]).stdout) as { personality: string; pid?: number }[]).find(
      (r) => r.personality === peer,
    )?.pid;
  return { dir, write, cli, pidOf };
}

const peer = (name: string, description = "a peer") =>
  `[peers.${name}]\nruntime = "echo"\ndescription = "${description}"\n`;

test("up with no iapeer.toml is one clean line, exit 2", () => {
  const { dir, cli } = fleetHome();
  const r = cli(["up", join(dir, "iapeer.toml")]);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toContain("no such file");
  expect(r.stderr).not.toContain("ENOENT");
  expect(r.stderr.split(join(dir, "iapeer.toml")).length).toBe(2);
});

test("up --dry-run prints the plan and changes nothing", () => {
  const { write, cli } = fleetHome();
  const file = write(peer("ana"));
  const r = cli(["up", file, "--dry-run"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe("ana: would be created\n");
  expect(JSON.parse(cli(["list", "--json"]).stdout)).toEqual([]);
});

test("changing only the description updates the peer without restarting it", () => {
  const { write, cli, pidOf } = fleetHome();
  const file = write(peer("ana", "first"));
  expect(cli(["up", file]).code).toBe(0);
  const pid = pidOf("ana");
  expect(pid).toBeGreaterThan(0);
  write(peer("ana", "second"));
  const r = cli(["up", file]);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("ana: updated (description), running");
  expect(pidOf("ana")).toBe(pid);
});

test("a peer dropped from the file is reported as orphaned, and left", () => {
  const { write, cli } = fleetHome();
  const file = write(peer("ana") + peer("bob"));
  expect(cli(["up", file]).code).toBe(0);
  write(peer("ana"));
  const dry = cli(["up", file, "--dry-run"]);
  expect(dry.stdout).toContain("bob: orphaned");
  const r = cli(["up", file]);
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("bob: orphaned");
  expect(r.stderr).toContain("--prune");
  expect(cli(["list", "--names"]).stdout).toBe("ana\nbob\n");
});

test("a second file may not take another file's peer, unless --adopt", () => {
  const { write, cli } = fleetHome();
  const first = write(peer("ana"), "one.toml");
  const second = write('[peers.ana]\nruntime = "echo"\ndescription = "taken"\n', "two.toml");
  expect(cli(["up", first]).code).toBe(0);
  const refused = cli(["up", second]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`belongs to the fleet file ${first}`);
  expect(refused.stderr).toContain("--adopt");
  const adopted = cli(["up", second, "--adopt"]);
  expect(adopted.code).toBe(0);
  // Now the second file's: the first may no longer change it.
  const back = cli(["up", first]);
  expect(back.code).toBe(1);
  expect(back.stderr).toContain(`belongs to the fleet file ${second}`);
});
