import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./port";
import { tempDir } from "./temp";
import { until } from "./until";

// Debian puts nats-server in /usr/sbin, which a user's PATH may lack.
const SEARCH_PATH = `${process.env.PATH ?? ""}:/usr/sbin:/usr/local/sbin`;
const running = new Set<ReturnType<typeof Bun.spawn>>();

export function natsServerPath(): string {
  const found = Bun.which("nats-server", { PATH: SEARCH_PATH });
  if (!found) throw new Error("nats-server is not installed (apt-get install nats-server)");
  return found;
}

interface Cluster {
  name: string;
  port: number;
  routes: number[];
}

/**
 * A real `nats-server --jetstream` on loopback ports, with its own store dir and log in a temp
 * dir; stopped by pid after the test (test/setup.ts).
 */
export class NatsServer {
  readonly url: string;
  readonly storeDir: string;
  readonly logFile: string;
  private proc: ReturnType<typeof Bun.spawn> | undefined;

  constructor(
    /** Unique in a cluster: JetStream needs that. */
    readonly name: string,
    readonly port: number,
    private readonly monitorPort: number,
    private readonly cluster?: Cluster,
    /** More nats-server flags: --auth, --tlscert, … */
    private readonly extraArgs: readonly string[] = [],
  ) {
    const dir = tempDir("iapeer-nats-");
    this.storeDir = join(dir, "store");
    this.logFile = join(dir, "nats.log");
    this.url = `nats://127.0.0.1:${port}`;
  }

  get pid(): number {
    if (!this.proc) throw new Error(`nats-server ${this.name} is not running`);
    return this.proc.pid;
  }

  /** Start it (again: same ports, same store) and wait until it serves with JetStream up. */
  async start(): Promise<this> {
    if (this.proc) throw new Error(`nats-server ${this.name} is already running`);
    // Before it opens its log (a bad configuration), it says why on stderr.
    const proc = Bun.spawn(this.argv(), {
      stdin: "ignore",
      stdout: "ignore",
      stderr: Bun.file(`${this.logFile}.stderr`),
    });
    this.proc = proc;
    running.add(proc);
    try {
      await until(async () => {
        if (proc.exitCode !== null) throw new Error(`nats-server ${this.name} exited`);
        return this.healthy();
      }, `nats-server ${this.name} on ${this.url}`);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${this.logTail()}`);
    }
    return this;
  }

  /** Stop it by pid and wait for it to exit; SIGKILL for a crash. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number> {
    const proc = this.proc;
    if (!proc) throw new Error(`nats-server ${this.name} is not running`);
    proc.kill(signal);
    const code = await proc.exited;
    running.delete(proc);
    this.proc = undefined;
    return code;
  }

  /** Serving clients with JetStream up (in a cluster: a meta leader known), per its /healthz. */
  async healthy(): Promise<boolean> {
    try {
      return (await fetch(`http://127.0.0.1:${this.monitorPort}/healthz`)).ok;
    } catch {
      return false;
    }
  }

  /** What its monitoring endpoint says, e.g. `jsz?streams=true`. */
  async monitor<T>(path: string): Promise<T> {
    return (await (await fetch(`http://127.0.0.1:${this.monitorPort}/${path}`)).json()) as T;
  }

  private argv(): string[] {
    const args = [
      natsServerPath(),
      "--jetstream",
      "--store_dir",
      this.storeDir,
      "--server_name",
      this.name,
      "--addr",
      "127.0.0.1",
      "--port",
      String(this.port),
      "--http_port",
      String(this.monitorPort),
      "--log",
      this.logFile,
      ...this.extraArgs,
    ];
    const c = this.cluster;
    if (c) {
      args.push("--cluster_name", c.name, "--cluster", `nats://127.0.0.1:${c.port}`);
      args.push("--routes", c.routes.map((p) => `nats://127.0.0.1:${p}`).join(","));
    }
    return args;
  }

  private logTail(): string {
    return [`${this.logFile}.stderr`, this.logFile]
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file, "utf8").split("\n").slice(-15).join("\n"))
      .join("\n");
  }
}

/** `n` distinct free loopback ports (two quick probes may be handed the same one). */
async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** One JetStream server on free loopback ports; `args` are more nats-server flags. */
export async function startNats(args: readonly string[] = []): Promise<NatsServer> {
  const [client, monitor] = (await freePorts(2)) as [number, number];
  return new NatsServer("n1", client, monitor, undefined, args).start();
}

/**
 * A cluster of `size` JetStream servers routed to each other on free loopback ports, each with its
 * own store; resolves once every one reports healthy (a meta leader elected).
 */
export async function startNatsCluster(size = 3): Promise<NatsServer[]> {
  const ports = await freePorts(3 * size);
  const routePorts = ports.slice(0, size);
  const servers: NatsServer[] = [];
  for (let i = 0; i < size; i++) {
    const cluster = {
      name: "iapeer-test",
      port: routePorts[i] as number,
      routes: routePorts.filter((_, j) => j !== i),
    };
    const [client, monitor] = [ports[size + 2 * i] as number, ports[size + 2 * i + 1] as number];
    servers.push(new NatsServer(`n${i + 1}`, client, monitor, cluster));
  }
  // All at once: each waits for a meta leader, which needs a quorum of the others.
  await Promise.all(servers.map((s) => s.start()));
  return servers;
}

/** Kill every nats-server a test started, by pid (test/setup.ts); before its temp dir goes. */
export async function cleanupNats(): Promise<void> {
  for (const proc of running) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
  running.clear();
}
