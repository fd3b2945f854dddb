import { defineCommand } from "citty";
import { VERSION } from "../core/version";
import { runningDaemon } from "../daemon/info";
import { adoptRunningSessions } from "../lifecycle/adopt";
import { recentDeaths } from "../lifecycle/crash-guard";
import { allStates, profileProblem, stateOf } from "../lifecycle/state";
import { deathPass } from "../lifecycle/supervise";
import { getPeer } from "../registry/registry";
import { tmuxVersion } from "../tmux/client";
import { describeExit } from "../tmux/exits";
import { requireHost } from "./context";
import { CliExit, EXIT } from "./exit-codes";
import { ago, duration, printJson, printTable } from "./output";
import { jsonArg, peerName } from "./peer-arg";

export default defineCommand({
  meta: {
    name: "status",
    description: "This host, the daemon and the peers; or one peer in detail",
  },
  args: { peer: { type: "positional", required: false, description: "One peer" }, json: jsonArg },
  async run({ args }) {
    const host = requireHost();
    adoptRunningSessions(host);
    await deathPass(host);
    if (args.peer !== undefined) {
      const name = peerName(args.peer);
      const peer = getPeer(host.store, name);
      if (!peer) throw new CliExit(`no peer named ${name}; see \`iapeer list\``, EXIT.unknownPeer);
      const problem = profileProblem(peer);
      const runtimes = peer.profile.runtimes.map((rt) => stateOf(host, peer, rt, problem));
      const deaths = recentDeaths(host, name);
      // Like `systemctl is-active`: 0 when it runs, 3 when it does not.
      // A runtime has a pid only while its session runs, whatever else its state says.
      const running = runtimes.some((r) => r.pid !== undefined);
      process.exitCode = running ? EXIT.ok : EXIT.notRunning;
      if (args.json)
        return printJson({
          peer: name,
          cwd: peer.cwd,
          stopped: peer.stopped,
          profile: peer.profile,
          ...(problem && { problem }),
          runtimes,
          deaths,
        });
      console.log(`${name} — ${peer.profile.description || "(no description)"}`);
      console.log(`folder      ${peer.cwd}`);
      console.log(
        `intelligence ${peer.profile.intelligence}, wake ${peer.profile.wake}${peer.stopped ? ", stopped" : ""}`,
      );
      if (problem) console.log(`BROKEN      ${problem}`);
      printTable(
        ["RUNTIME", "STATE", "PID", "UPTIME", "ACTIVE"],
        runtimes.map((s) => [
          s.runtime,
          s.failed_until ? `failed until ${s.failed_until}` : s.state,
          s.pid ? String(s.pid) : "-",
          duration(s.uptime_s),
          s.last_activity ? `${ago(s.last_activity)} ago` : "-",
        ]),
      );
      if (deaths.length > 0) {
        console.log("last deaths:");
        for (const d of deaths) {
          const cause = d.class === "exited" || d.class === "signaled" ? describeExit(d) : d.class;
          console.log(`  ${d.ts}  ${d.identity}  ${cause}${d.detail ? ` — ${d.detail}` : ""}`);
        }
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
