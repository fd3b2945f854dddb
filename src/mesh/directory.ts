import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import * as z from "zod";
import { PERSONALITY_PATTERN } from "../core/names";
import { fail, ok, type Result } from "../core/result";
import { defaultReplicas } from "./stream";
import { DIRECTORY_BUCKET, directoryKey } from "./subjects";

/** What each host says of each of its peers, kept current by that host's daemon. */
const entrySchema = z.object({
  host: z.string().regex(PERSONALITY_PATTERN),
  personality: z.string().regex(PERSONALITY_PATTERN),
  runtimes: z.array(z.string()),
  state: z.string(),
  description: z.string().optional(),
  /** ISO-8601: when the host last said so (on a change or its heartbeat). */
  lastSeen: z.string(),
});

export type DirectoryEntry = z.infer<typeof entrySchema>;

interface DirectoryListing {
  entries: DirectoryEntry[];
  /** Keys whose value is not an entry of this shape, or names another host or peer than its key. */
  skipped: string[];
  /** When the server stored each entry, by key (the server's clock, against `lastSeen`'s host's). */
  storedAt: Record<string, string>;
}

const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The mesh's directory of peers: a JetStream key-value bucket, `<host>.<personality>` → entry. */
export class Directory {
  private constructor(private readonly kv: KV) {}

  /** Open the bucket, making it when there is none (one value per key, file storage). */
  static async open(
    nc: NatsConnection,
    settings: { replicas?: number } = {},
  ): Promise<Result<Directory>> {
    try {
      const kv = await new Kvm(nc).create(DIRECTORY_BUCKET, {
        history: 1,
        replicas: settings.replicas ?? defaultReplicas(nc),
      });
      return ok(new Directory(kv));
    } catch (e) {
      return fail(`cannot open the directory ${DIRECTORY_BUCKET}: ${reason(e)}`);
    }
  }

  /** Open the bucket only if it is there: for readers that must change nothing. */
  static async existing(nc: NatsConnection): Promise<Result<Directory>> {
    try {
      const kv = await new Kvm(nc).open(DIRECTORY_BUCKET);
      await kv.status();
      return ok(new Directory(kv));
    } catch (e) {
      return fail(`the directory ${DIRECTORY_BUCKET} cannot be read: ${reason(e)}`);
    }
  }

  async put(entry: DirectoryEntry): Promise<Result<void>> {
    const valid = entrySchema.safeParse(entry);
    if (!valid.success) return fail(`not a directory entry: ${valid.error.issues[0]?.message}`);
    try {
      await this.kv.put(directoryKey(entry.host, entry.personality), JSON.stringify(valid.data));
      return ok(undefined);
    } catch (e) {
      return fail(`cannot write ${entry.personality}@${entry.host} to the directory: ${reason(e)}`);
    }
  }

  async remove(host: string, personality: string): Promise<Result<void>> {
    try {
      await this.kv.delete(directoryKey(host, personality));
      return ok(undefined);
    } catch (e) {
      return fail(`cannot remove ${personality}@${host} from the directory: ${reason(e)}`);
    }
  }

  /**
   * Every host's peers, each key read once; an entry that does not fit is skipped, not trusted.
   * A listing that does not finish in `timeoutMs` (a server in trouble) is a failure, never a
   * wait without end for the daemon's directory sync or `list --all`.
   */
  async list(timeoutMs = 10_000): Promise<Result<DirectoryListing>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<Result<DirectoryListing>>((resolve) => {
      timer = setTimeout(
        () => resolve(fail(`cannot read the directory: no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.read(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async read(): Promise<Result<DirectoryListing>> {
    try {
      const keys: string[] = [];
      for await (const key of await this.kv.keys()) keys.push(key);
      const entries: DirectoryEntry[] = [];
      const skipped: string[] = [];
      const storedAt: Record<string, string> = {};
      for (const key of keys.sort()) {
        const got = await this.kv.get(key);
        if (got?.operation !== "PUT") continue;
        const parsed = parseEntry(got.string());
        if (parsed && directoryKey(parsed.host, parsed.personality) === key) {
          entries.push(parsed);
          storedAt[key] = got.created.toISOString();
        } else skipped.push(key);
      }
      return ok({ entries, skipped, storedAt });
    } catch (e) {
      return fail(`cannot read the directory: ${reason(e)}`);
    }
  }
}

function parseEntry(text: string): DirectoryEntry | undefined {
  try {
    const parsed = entrySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
