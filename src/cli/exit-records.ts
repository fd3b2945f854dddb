import type { Config } from "../core/config";
import { parseIdentity } from "../core/names";
import { layoutOf } from "../core/paths";
import type { RecentDeath } from "../lifecycle/crash-guard";
import { describeExit, readExits } from "../tmux/exits";
import { askDaemon } from "./daemon-client";

/** One session death as `exits` shows it. */
export interface ExitRecord {
  ts: string;
  identity: string;
  personality: string;
  runtime: string;
  class: string;
  cause: string;
  detail?: string;
  [key: string]: unknown;
}

/**
 * Every recorded death (only `peer`'s, by personality or identity, when given), oldest first.
 * exits.log holds what the exit hook saw; the daemon's records add the deaths it never could (a
 * boot that failed, a server that vanished). Asking starts the daemon, which also records the
 * deaths tmux missed before answering.
 */
export async function exitRecords(config: Config, peer: string | undefined): Promise<ExitRecord[]> {
  const query = peer === undefined ? "" : `?peer=${encodeURIComponent(peer)}`;
  const recorded = await askDaemon<RecentDeath[]>("GET", `/v1/deaths${query}`);
  const hooked = readExits(layoutOf(config).exitsLog, config.logFiles).map((e) => ({
    ...e,
    class: e.signal === undefined ? "exited" : "signaled",
    cause: describeExit(e),
  }));
  const unhooked = recorded
    .filter((d) => d.class !== "exited" && d.class !== "signaled")
    .map((d) => ({ ...d, cause: d.class }));
  return [...hooked, ...unhooked]
    .map((e) => {
      const id = parseIdentity(e.identity);
      return {
        ...e,
        personality: id.ok ? id.value.personality : "",
        runtime: id.ok ? id.value.runtime : "",
      } as ExitRecord;
    })
    .filter((e) => peer === undefined || e.identity === peer || e.personality === peer)
    .sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
}

/** What tells one death from another when the same records are read again. */
export const exitKey = (e: ExitRecord): string =>
  `${e.ts} ${e.identity} ${e.class} ${e.cause} ${e.detail ?? ""}`;

export function exitLine(e: ExitRecord, width: number): string {
  const detail = e.detail ? ` — ${e.detail}` : "";
  return `${e.ts}  ${e.identity.padEnd(width)}  ${e.cause}${detail}`;
}
