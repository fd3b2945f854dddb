/** Runs launchctl/systemctl/loginctl. Injected in tests: those cannot run here. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (argv: string[]) => CommandResult;

export const runCommand: CommandRunner = (argv) => {
  try {
    const res = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", timeout: 30_000 });
    return {
      code: res.exitCode ?? -1,
      stdout: res.stdout.toString(),
      stderr: res.stderr.toString().trim(),
    };
  } catch (error) {
    return { code: 127, stdout: "", stderr: (error as Error).message };
  }
};
