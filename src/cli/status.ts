import { defineCommand } from "citty";
import type { HostStatus, PeerDetail } from "../daemon/peer-detail";
import { askDaemon } from "./daemon-client";
import { CliExit, EXIT } from "./exit-codes";
import { knownNames, peerWords } from "./many";
import { ago, duration, printJson, printTable, stateCell } from "./output";
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
    const words = peerWords(args);
    if (words.length > 0) {
      const { names, all } = peerNames(words, knownNames);
      const reports = await Promise.all(names.map(peerReport));
      // The worst: an unknown peer (4), then one not running (3), else 0.
      process.exitCode = Math.max(EXIT.ok, ...reports.map((r) => r.code));
      const one = !all && names.length === 1;
      if (one && reports[0]?.code === EXIT.unknownPeer)
        throw new CliExit(reports[0].error as string, EXIT.unknownPeer);
      if (args.json) return printJson(one ? reports[0]?.json : reports.map((r) => r.json));
      for (const [i, r] of reports.entries()) {
        if (i > 0) console.log("");
        if (r.error) process.stderr.write(`iapeer: ${r.error}\n`);
        else if (r.detail) printPeer(r.detail);
      }
      return;
    }
    const status = await askDaemon<HostStatus>("GET", "/v1/status");
    if (args.json) return printJson(status);
    console.log(
      `iapeer ${status.version} on ${status.host.platform}, tmux ${status.host.tmux ?? "NOT FOUND"}`,
    );
    console.log(`home ${status.host.home}`);
    console.log(
      `daemon up, pid ${status.daemon.pid}, since ${status.daemon.started_at} (${status.daemon.version})`,
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
  json: unknown;
  detail?: PeerDetail;
}

/** One peer in detail; its code as `systemctl is-active` gives it: 0 running, 3 not, 4 unknown. */
async function peerReport(name: string): Promise<PeerReport> {
  const answer = await askDaemon<PeerDetail & { error?: string }>(
    "GET",
    `/v1/peers/${encodeURIComponent(name)}`,
  );
  if (answer.error !== undefined) {
    const error = answer.error;
    return { code: EXIT.unknownPeer, error, json: { ok: false, peer: name, error, code: 4 } };
  }
  // A runtime has a pid only while its session runs, whatever else its state says.
  const running = answer.runtimes.some((r) => r.pid !== undefined);
  return { code: running ? EXIT.ok : EXIT.notRunning, json: answer, detail: answer };
}

function printPeer(peer: PeerDetail): void {
  console.log(`${peer.peer} — ${peer.profile.description || "(no description)"}`);
  console.log(`folder      ${peer.cwd}`);
  console.log(
    `intelligence ${peer.profile.intelligence}, wake ${peer.profile.wake}${peer.stopped ? ", stopped" : ""}`,
  );
  if (peer.problem) console.log(`BROKEN      ${peer.problem}`);
  printTable(
    ["RUNTIME", "STATE", "AGENT", "PID", "UPTIME", "ACTIVE"],
    peer.runtimes.map((s) => [
      s.runtime,
      stateCell(s),
      s.agent ? `${s.agent.state} (${s.agent.source})` : "-",
      s.pid ? String(s.pid) : "-",
      duration(s.uptime_s),
      s.last_activity ? `${ago(s.last_activity)} ago` : "-",
    ]),
  );
  for (const s of peer.runtimes) {
    if (s.agent?.question) console.log(`asking      ${s.agent.question} (\`iapeer approvals\`)`);
    if (s.agent?.error) console.log(`last error  ${s.agent.error}`);
  }
  if (peer.deaths.length > 0) {
    console.log("last deaths:");
    for (const d of peer.deaths)
      console.log(`  ${d.ts}  ${d.identity}  ${d.cause}${d.detail ? ` — ${d.detail}` : ""}`);
  }
}
