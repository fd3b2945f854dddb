#!/usr/bin/env bun
/**
 * Cross-host against same-host send latency, in one run: a NATS server and two daemons of this
 * source tree on throwaway homes (hosts `hosta` and `hostb`), an echo peer on each; 50 waiting
 * sends from hosta to each, alternating, after a warm-up. Printed as JSON.
 * `bun scripts/bench-mesh.ts`
 */
import { cleanupDaemons } from "../test/helpers/daemon";
import { meshHost, meshUp } from "../test/helpers/mesh-hosts";
import { cleanupNats, startNats } from "../test/helpers/nats";
import { cleanupSandboxes } from "../test/helpers/sandbox";

const ROUNDS = 50;

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  const r = (n: number) => Math.round(n * 10) / 10;
  return { n: s.length, min: r(s[0] ?? 0), median: r(at(50)), p95: r(at(95)) };
}

try {
  const nats = await startNats();
  const a = await meshHost(nats.url, "hosta", ["bob"]);
  const b = await meshHost(nats.url, "hostb", ["ana"]);
  await Promise.all([meshUp(a), meshUp(b)]);
  const timed = async (to: string, body: string) => {
    const t = performance.now();
    const r = await a.send(to, body);
    if (r.outcome.outcome !== "delivered") throw new Error(`${to}: ${JSON.stringify(r.outcome)}`);
    return performance.now() - t;
  };
  // Warm: both sessions up.
  await timed("bob", "warm");
  await timed("ana@hostb", "warm");
  const local: number[] = [];
  const remote: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    local.push(await timed("bob", `local ${i}`));
    remote.push(await timed("ana@hostb", `remote ${i}`));
  }
  console.log(
    JSON.stringify(
      { same_host_ms: summary(local), cross_host_ms: summary(remote), rounds: ROUNDS },
      null,
      2,
    ),
  );
} finally {
  await cleanupDaemons();
  await cleanupNats();
  cleanupSandboxes();
}
