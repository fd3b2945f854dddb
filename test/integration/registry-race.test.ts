import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runSource } from "../helpers/cli";
import { sandbox } from "../helpers/sandbox";

const MAIN = join(import.meta.dir, "..", "..", "src", "cli", "main.ts");

/** One CLI process; its exit code. */
async function iapeer(env: Record<string, string>, args: string[]): Promise<number> {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    env: { ...process.env, ...env, IAPEER_PORT: "0", NO_COLOR: "1" },
    stdout: "ignore",
    stderr: "pipe",
  });
  const code = await proc.exited;
  const stderr = await new Response(proc.stderr).text();
  if (/internal error/.test(stderr)) throw new Error(stderr);
  return code;
}

test("concurrent create, init and remove loops of one name end consistent; every success was real", async () => {
  const sb = sandbox();
  const loops = 5;
  const rounds = 8;
  let created = 0;
  let removed = 0;
  const creator = async () => {
    for (let i = 0; i < rounds; i++)
      if ((await iapeer(sb.env, ["create", "my1", "--runtime", "echo"])) === 0) created++;
  };
  const initer = async () => {
    for (let i = 0; i < rounds; i++)
      if (
        (await iapeer(sb.env, ["init", join(sb.layout.peersDir, "my1"), "--runtime", "echo"])) === 0
      )
        created++;
  };
  const remover = async () => {
    for (let i = 0; i < rounds; i++) if ((await iapeer(sb.env, ["remove", "my1"])) === 0) removed++;
  };
  await Promise.all([
    ...Array.from({ length: loops }, creator),
    ...Array.from({ length: 2 }, initer),
    ...Array.from({ length: loops }, remover),
  ]);

  const folder = join(sb.layout.peersDir, "my1");
  const retired = readdirSync(join(folder, ".iapeer")).filter((f) =>
    f.startsWith("peer.json.removed-"),
  );
  const list = JSON.parse(runSource(["list", "--json"], sb.env).stdout) as { cwd: string }[];
  const registered = list.length === 1;

  console.log(`created or inited ${created}, removed ${removed}`);
  expect(created).toBeGreaterThan(0);
  expect(removed).toBeGreaterThan(0);
  // Each reported removal retired one profile; each creation is either removed or still here.
  expect(retired.length).toBe(removed);
  expect(created - removed).toBe(registered ? 1 : 0);
  expect(existsSync(join(folder, ".iapeer", "peer.json"))).toBe(registered);
  const index = readFileSync(join(sb.layout.stateDir, "folders"), "utf8").split("\n");
  expect(index.includes(folder)).toBe(registered);
  const verify = runSource(["verify", "--json"], sb.env);
  expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, problems: [] });
}, 180_000);
