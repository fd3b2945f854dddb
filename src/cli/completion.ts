import { defineCommand } from "citty";
import { bashScript } from "../completion/bash";
import { fishScript } from "../completion/fish";
import { commandTree, SHELLS, type Shell } from "../completion/tree";
import { zshScript } from "../completion/zsh";
import { usageError } from "./exit-codes";
import { cliRoot } from "./run";

const SCRIPTS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

export default defineCommand({
  meta: {
    name: "completion",
    description:
      "Print the shell completion script for bash, zsh or fish (README: how to install it)",
  },
  args: {
    shell: { type: "positional", required: true, description: "bash, zsh or fish" },
  },
  async run({ args }) {
    const shell = args.shell;
    if (!(SHELLS as readonly string[]).includes(shell))
      throw usageError(`unknown shell ${JSON.stringify(shell)}: use bash, zsh or fish`);
    process.stdout.write(SCRIPTS[shell as Shell](await commandTree(cliRoot())));
  },
});
