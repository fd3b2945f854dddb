import { chmodSync, existsSync, rmSync, watch } from "node:fs";
import { writeFileAtomic } from "../core/fs";
import { portsToTry, rememberPort } from "../core/home-port";
import { COMMIT, VERSION } from "../core/version";
import type { Host } from "../home/host";
import { processToken } from "../launch/pid";
import { adoptRunningSessions } from "../lifecycle/adopt";
import { superviseTick } from "../lifecycle/supervise";
import { type MeshNode, startMeshNode } from "../mesh/node";
import { useControlConnections } from "../tmux/control";
import { Dispatcher } from "../transport/dispatcher";
import { watchTurns } from "../transport/turn-watch";
import { UiLogins } from "../ui/auth";
import { messageAnswer, peerActionAnswer, peerAnswer, sendRequest } from "./actions";
import { type ApiContext, handleRequest } from "./api";
import { failedRequest } from "./failed-request";
import type { DaemonInfo } from "./info";
import { daemonSettings } from "./settings";
import { claimDaemon, releaseDaemon } from "./singleton";
import { eventStream } from "./sse";
import { busyRefusal, TCP_IDLE_SECS, tcpRefusal } from "./tcp-gate";

/** How often the daemon looks for deaths between ticks (nudging tmux servers, reading pids). */
const DEATH_PASS_MS = 500;

type DaemonStart =
  | { ok: true; stop: () => Promise<void>; info: DaemonInfo; mesh?: MeshNode }
  | { ok: false; error: string };

/**
 * Start the router: claim the home, listen (unix socket, and loopback TCP unless port 0),
 * recover what a previous daemon left in flight, then deliver, supervise and watch for deaths.
 */
export async function startDaemon(host: Host): Promise<DaemonStart> {
  const { config, layout } = host;
  const holder = claimDaemon(host.store);
  if (holder)
    return { ok: false, error: `a daemon is already running for ${config.home} (pid ${holder})` };
  // Sessions that outlived the last daemon (or that the database forgot) are its own again.
  adoptRunningSessions(host);

  const dispatcher = new Dispatcher(host);
  // The dashboard's sessions live here, in memory: a restarted daemon asks for a new login.
  const ctx: ApiContext = { host, dispatcher, ui: { logins: new UiLogins(), port: 0 } };
  if (existsSync(layout.daemonSock)) rmSync(layout.daemonSock, { force: true });
  // Long sends (a wake plus typing) must not be cut by the idle timeout: 0 turns it off.
  let unix: ReturnType<typeof Bun.serve>;
  let tcp: ReturnType<typeof Bun.serve> | undefined;
  try {
    unix = Bun.serve({
      unix: layout.daemonSock,
      error: failedRequest,
      fetch(req, server) {
        server.timeout(req, 0);
        return handleRequest(req, "unix", ctx);
      },
    });
    chmodSync(layout.daemonSock, 0o600);
  } catch (error) {
    releaseDaemon(host.store);
    return {
      ok: false,
      error: `cannot listen on ${layout.daemonSock}: ${(error as Error).message}`,
    };
  }
  const ports = portsToTry(config, layout);
  if (ports.length > 0) {
    let inFlight = 0;
    const listen = (port: number) =>
      Bun.serve({
        hostname: "127.0.0.1",
        port,
        idleTimeout: TCP_IDLE_SECS,
        error: failedRequest,
        async fetch(req, server) {
          const path = new URL(req.url).pathname;
          // The dashboard has its own door (a session cookie, never a peer's token).
          if (path === "/ui" || path.startsWith("/ui/")) {
            const busy = busyRefusal(inFlight);
            if (busy) return busy;
            const { handleUi } = await import("../ui/routes");
            return handleUi(req, {
              host,
              logins: ctx.ui.logins,
              port: server.port ?? port,
              events: (since, signal, headers) =>
                eventStream(host.store, since, signal, { named: false, headers }),
              keepOpen: () => server.timeout(req, 0),
              directory: () => ctx.mesh?.link.directory(),
              actions: {
                send: (body) => sendRequest(ctx, body),
                message: (id) => messageAnswer(host, id),
                peer: (name) => {
                  adoptRunningSessions(host, name);
                  return peerAnswer(host, name);
                },
                act: (name, action, runtime) => peerActionAnswer(ctx, name, action, runtime),
              },
            });
          }
          const refused = tcpRefusal(req, host, server.port ?? port, inFlight);
          if (refused) return refused;
          // Only a proven peer's request may outlive the idle timeout (a send waits for a wake).
          server.timeout(req, 0);
          inFlight++;
          try {
            return await handleRequest(req, "tcp", ctx);
          } finally {
            inFlight--;
          }
        },
      });
    const refusals: string[] = [];
    for (const port of ports) {
      try {
        tcp = listen(port);
        break;
      } catch (error) {
        refusals.push(`${port || "any free port"}: ${(error as Error).message}`);
      }
    }
    if (!tcp) {
      unix.stop(true);
      rmSync(layout.daemonSock, { force: true });
      releaseDaemon(host.store);
      return {
        ok: false,
        error: `cannot listen on 127.0.0.1 (${refusals.join("; ")}); set IAPEER_PORT to a free port, or 0 for none`,
      };
    }
    if (tcp.port !== undefined && !config.fromEnv.includes("IAPEER_PORT"))
      rememberPort(layout, tcp.port);
  }
  ctx.ui.port = tcp?.port ?? 0;
  const token = processToken(process.pid);
  const info: DaemonInfo = {
    ...(token !== undefined && { token }),
    pid: process.pid,
    socket: layout.daemonSock,
    port: tcp?.port ?? 0,
    version: VERSION,
    commit: COMMIT,
    startedAt: new Date().toISOString(),
    settings: daemonSettings(config),
  };
  ctx.info = info;
  // Deaths that happened while no daemon ran are recorded before anyone is told it is ready.
  await superviseTick(host, { idle: false }).catch((error) =>
    host.events.write("supervise-error", { error: String(error) }),
  );
  writeFileAtomic(layout.daemonInfo, `${JSON.stringify(info, null, 2)}\n`);
  host.events.write("daemon-start", { pid: process.pid, port: info.port, version: VERSION });

  // Screens are read and keys typed over one control connection per tmux server, not a process
  // per command: the daemon's thread stays free for requests while deliveries run.
  useControlConnections(true);
  // Messages left queued, or mid-delivery by a daemon that died, go out now (each recipient's
  // worker first recovers what was in flight).
  dispatcher.kickAll();
  // Only with IAPEER_NATS_URL; it connects in the background: local delivery never waits on it.
  const mesh = startMeshNode(host, dispatcher);
  if (mesh) ctx.mesh = mesh;

  // Deaths: exits.log changes at once (the hook), a short pass catches the rest.
  // One supervision pass at a time, full ticks and quick death passes alike; a failing pass is
  // logged and the next one runs (an unhandled rejection would end the daemon).
  let passing: Promise<void> = Promise.resolve();
  const pass = (idle: boolean) => {
    passing = passing
      .then(() => superviseTick(host, { idle }))
      .then(async () => {
        // A turn whose failure only the screen shows (codex): its messages go back to the queue.
        for (const peer of await watchTurns(host)) void dispatcher.kick(peer);
        if (idle) dispatcher.kickAll();
        else dispatcher.kickRisen();
      })
      .catch((error) => {
        host.events.write("supervise-error", { error: String(error) });
      });
    return passing;
  };
  let queuedDeathPass = false;
  const deathPass = () => {
    if (queuedDeathPass) return;
    queuedDeathPass = true;
    void pass(false).finally(() => {
      queuedDeathPass = false;
    });
  };
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    watcher = watch(layout.logsDir, (_event, file) => {
      if (file === "exits.log") deathPass();
    });
  } catch {
    // no file watching here: the pass below still finds every death
  }
  const deaths = setInterval(deathPass, DEATH_PASS_MS);
  const ticks = setInterval(() => void pass(true), config.tickSecs * 1000);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(deaths);
    clearInterval(ticks);
    watcher?.close();
    // No new connections; requests in flight (a waiting sender) get their answer. What is being
    // typed finishes; what is queued stays queued for the next daemon.
    void unix.stop(false);
    void tcp?.stop(false);
    await mesh?.stop();
    await dispatcher.stop();
    useControlConnections(false);
    await passing;
    await Bun.sleep(100);
    unix.stop(true);
    tcp?.stop(true);
    rmSync(layout.daemonInfo, { force: true });
    rmSync(layout.daemonSock, { force: true });
    host.events.write("daemon-stop", { pid: process.pid });
    releaseDaemon(host.store);
  };
  return { ok: true, stop, info, ...(mesh && { mesh }) };
}
