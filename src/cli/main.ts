#!/usr/bin/env bun
import type { CommandDef } from "citty";
import { VERSION, versionLine } from "../core/version";
import { aliased } from "./aliases";

// A plain object (citty's defineCommand only returns it): `--version` loads no more than this.
export const main: CommandDef = {
  meta: {
    name: "iapeer",
    version: VERSION,
    description: "Keep a team of AI agents on one host always reachable",
  },
  subCommands: {
    demo: () => import("./demo").then((m) => m.default),
    create: () => import("./create").then((m) => m.default),
    init: () => import("./init").then((m) => m.default),
    set: () => import("./set").then((m) => m.default),
    edit: () => import("./edit").then((m) => m.default),
    up: () => import("./up").then((m) => m.default),
    down: () => import("./down").then((m) => m.default),
    list: () => import("./list").then((m) => aliased("list", m.default)),
    status: () => import("./status").then((m) => m.default),
    send: () => import("./send").then((m) => m.default),
    message: () => import("./message").then((m) => m.default),
    approvals: () => import("./approvals").then((m) => m.approvals),
    approve: () => import("./approvals").then((m) => m.approve),
    deny: () => import("./approvals").then((m) => m.deny),
    wake: () => import("./lifecycle-commands").then((m) => m.wake),
    start: () => import("./lifecycle-commands").then((m) => m.start),
    stop: () => import("./lifecycle-commands").then((m) => m.stop),
    restart: () => import("./lifecycle-commands").then((m) => m.restart),
    attach: () => import("./attach").then((m) => m.default),
    logs: () => import("./logs").then((m) => m.default),
    events: () => import("./events").then((m) => m.default),
    monitor: () => import("./monitor").then((m) => aliased("monitor", m.default)),
    exits: () => import("./exits").then((m) => m.default),
    remove: () => import("./remove").then((m) => aliased("remove", m.default)),
    verify: () => import("./verify").then((m) => m.default),
    doctor: () => import("./doctor").then((m) => m.default),
    selftest: () => import("./selftest").then((m) => m.default),
    daemon: () => import("./daemon").then((m) => m.default),
    ui: () => import("./ui").then((m) => m.default),
    service: () => import("./service").then((m) => m.default),
    "run-always-on": () => import("./run-always-on").then((m) => m.default),
    config: () => import("./config").then((m) => m.default),
    "echo-agent": () => import("./echo-agent").then((m) => m.default),
    hook: () => import("./hook").then((m) => m.default),
    "telegram-bridge": () => import("./telegram-bridge").then((m) => m.default),
    completion: () => import("./completion").then((m) => m.default),
  },
};

const VERSION_FLAGS = new Set(["--version", "-v", "-V"]);

// Imported (by the completion tests, for the command tree), it only defines it.
if (import.meta.main) {
  const argv = process.argv.slice(2);
  if (argv.length === 1 && VERSION_FLAGS.has(argv[0] as string)) {
    console.log(versionLine());
    process.exit(0);
  }
  const { runCli } = await import("./run");
  await runCli(main, argv);
}
