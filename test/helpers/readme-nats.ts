import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type NatsServer, startNats } from "./nats";
import { tempDir } from "./temp";
import { makeCerts } from "./tls";

/** README's `/etc/nats-server.conf`, as written there. */
export function readmeNatsConf(): string {
  const readme = readFileSync(join(import.meta.dir, "..", "..", "README.md"), "utf8");
  const start = readme.indexOf("```conf\n# /etc/nats-server.conf");
  if (start < 0) throw new Error("README has no nats-server.conf block");
  return readme.slice(start + "```conf\n".length, readme.indexOf("\n```", start));
}

/**
 * A real nats-server running README's configuration exactly, with its user copied once per host
 * as README says (password `<host>-pw`), over TLS with a throwaway CA.
 */
export async function readmeNatsServer(
  hosts: readonly string[],
): Promise<{ server: NatsServer; ca: string }> {
  let conf = readmeNatsConf();
  const userStart = conf.indexOf('      { user: "mini2"');
  const userEnd = conf.indexOf("      } }\n", userStart) + "      } }\n".length;
  const user = conf.slice(userStart, userEnd);
  const users = hosts.map((h) => user.replaceAll("mini2", h)).join("");
  conf = conf.slice(0, userStart) + users + conf.slice(userEnd);
  const certs = makeCerts();
  // The helper's flags put it on loopback ports and a store of its own.
  conf = conf
    .replace('jetstream { store_dir: "/var/lib/nats" }', "jetstream {}")
    .replace("/etc/nats/server.pem", certs.cert)
    .replace("/etc/nats/server-key.pem", certs.key)
    .replace(/user: "([\w-]+)", password: "change-me"/g, 'user: "$1", password: "$1-pw"');
  const file = join(tempDir(), "nats-server.conf");
  writeFileSync(file, conf);
  return { server: await startNats(["--config", file]), ca: certs.ca };
}
