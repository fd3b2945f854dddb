import { defineCommand } from "citty";
import { VERSION } from "../core/version";
import { runningDaemon } from "../daemon/info";
import { adoptRunningSessions } from "../lifecycle/adopt";
import type { Host } from "../lifecycle/context";
import { describeDeath, recentDeaths } from "../lifecycle/crash-guard";
import type { PeerRuntimeState } from "../lifecycle/state";
import { allStates, profileProblem, stateOf } from "../lifecycle/state";
import { deathPass } from "../lifecycle/supervise";
import { getPeer, listPeers, type PeerRecord } from "../registry/registry";
import { tmuxVersion } from "../tmux/client";
import { requireHost } from "./context";
import { CliExit, EXIT } from "./exit-codes";
import { peerWords } from "./many";
import { ago, duration, printJson, printTable } from "./output";
import { jsonArg, peerNames } from "./peer-arg";

export default defineCommand({
  meta: {
    name: "status",
    description: "This host, the daemon and the peers; or one peer in detail",
  },
  args: {
    peer: {
      type: "positional",
      required: false,
      valueHint: "peer...",
      description: "One or more peers, or all",
    },
    json: jsonArg,
  },
  async run({ args }) {
    const host = requireHost();
    adoptRunningSessions(host);
    await deathPass(host);
    const words = peerWords(args);
    if (words.length > 0) {
      const { names, all } = peerNames(words, () =>
        listPeers(host.store).map((p) => p.personality),
      );
      const reports = names.map((name) => peerReport(host, name));
      // The worst: an unknown peer (4), then one not running (3), else 0.
      process.exitCode = Math.max(EXIT.ok, ...reports.map((r) => r.code));
      const one = !all && names.length === 1;
      if (one && reports[0]?.code === EXIT.unknownPeer)
        throw new CliExit(reports[0].error as string, EXIT.unknownPeer);
      if (args.json) return printJson(one ? reports[0]?.json : reports.map((r) => r.json));
      for (const [i, r] of reports.entries()) {
        if (i > 0) console.log("");
        if (r.error) process.stderr.write(`iapeer: ${r.error}\n`);
        else printPeer(r);
      }
      return;
    }
    const states = allStates(host);
    const count = (state: string) => states.filter((s) => s.state === state).length;
    const daemon = runningDaemon(host.layout);
    const status = {
      version: VERSION,
      host: {
        platform: host.config.platform,
        home: host.config.home,
        sock_dir: host.config.sockDir,
        tmux: tmuxVersion() ?? null,
      },
      daemon: daemon
        ? { up: true, pid: daemon.pid, version: daemon.version, started_at: daemon.startedAt }
        : { up: false },
      peers: {
        total: new Set(states.map((s) => s.personality)).size,
        live: count("live"),
        asleep: count("asleep"),
        stopped: count("stopped"),
        failed: count("failed"),
        always_on: count("always-on"),
        broken: new Set(states.filter((s) => s.state === "broken").map((s) => s.personality)).size,
      },
    };
    if (args.json) return printJson(status);
    console.log(
      `iapeer ${VERSION} on ${status.host.platform}, tmux ${status.host.tmux ?? "NOT FOUND"}`,
    );
    console.log(`home ${status.host.home}`);
    console.log(
      daemon ? `daemon up, pid ${daemon.pid}, since ${daemon.startedAt}` : "daemon not running",
    );
    const p = status.peers;
    console.log(
      `peers ${p.total}: ${p.live} live, ${p.asleep} asleep, ${p.stopped} stopped, ${p.failed} failed, ${p.always_on} always-on${p.broken > 0 ? `, ${p.broken} broken (\`iapeer verify\`)` : ""}`,
    );
  },
});

interface PeerReport {
  code: number;
  error?: string;
  json: Record<string, unknown>;
  name: string;
  peer?: PeerRecord;
  problem?: string;
  runtimes: PeerRuntimeState[];
  deaths: ReturnType<typeof recentDeaths>;
}

/** One peer in detail; its code as `systemctl is-active` gives it: 0 running, 3 not, 4 unknown. */
function peerReport(host: Host, name: string): PeerReport {
  const peer = getPeer(host.store, name);
  if (!peer) {
    const error = `no peer named ${name}; see \`iapeer list\``;
    return {
      code: EXIT.unknownPeer,
      error,
      json: { ok: false, peer: name, error, code: EXIT.unknownPeer },
      name,
      runtimes: [],
      deaths: [],
    };
  }
  const problem = profileProblem(peer);
  const runtimes = peer.profile.runtimes.map((rt) => stateOf(host, peer, rt, problem));
  const deaths = recentDeaths(host, name);
  // A runtime has a pid only while its session runs, whatever else its state says.
  const running = runtimes.some((r) => r.pid !== undefined);
  return {
    code: running ? EXIT.ok : EXIT.notRunning,
    json: {
      peer: name,
      cwd: peer.cwd,
      stopped: peer.stopped,
      profile: peer.profile,
      ...(problem && { problem }),
      runtimes,
      deaths,
    },
    name,
    peer,
    ...(problem && { problem }),
    runtimes,
    deaths,
  };
}

function printPeer(r: PeerReport): void {
  const peer = r.peer as PeerRecord;
  console.log(`${r.name} — ${peer.profile.description || "(no description)"}`);
  console.log(`folder      ${peer.cwd}`);
  console.log(
    `intelligence ${peer.profile.intelligence}, wake ${peer.profile.wake}${peer.stopped ? ", stopped" : ""}`,
  );
  if (r.problem) console.log(`BROKEN      ${r.problem}`);
  printTable(
    ["RUNTIME", "STATE", "PID", "UPTIME", "ACTIVE"],
    r.runtimes.map((s) => [
      s.runtime,
      s.failed_until ? `failed until ${s.failed_until}` : s.state,
      s.pid ? String(s.pid) : "-",
      duration(s.uptime_s),
      s.last_activity ? `${ago(s.last_activity)} ago` : "-",
    ]),
  );
  if (r.deaths.length > 0) {
    console.log("last deaths:");
    for (const d of r.deaths) {
      console.log(
        `  ${d.ts}  ${d.identity}  ${describeDeath(d)}${d.detail ? ` — ${d.detail}` : ""}`,
      );
    }
  }
}
