import { join } from "node:path";
import { runSource } from "./cli";
import type { Sandbox } from "./sandbox";

/** A bash peer as README shows it; its folder. */
export function createShellPeer(sb: Sandbox, name: string): string {
  const made = runSource(
    [
      "create",
      name,
      "--runtime",
      "command",
      "--command",
      "bash",
      "--prompt",
      "/\\S+[$#] /",
      "--format",
      "text",
    ],
    sb.env,
  );
  if (made.code !== 0) throw new Error(`create ${name}: ${made.stderr}`);
  return join(sb.layout.peersDir, name);
}
