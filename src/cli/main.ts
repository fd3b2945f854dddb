#!/usr/bin/env bun
import { type CommandDef, defineCommand } from "citty";
import { VERSION } from "../core/version";
import { runCli } from "./run";

const main: CommandDef = defineCommand({
  meta: {
    name: "iapeer",
    version: VERSION,
    description: "Keep a team of AI agents on one host always reachable",
  },
  subCommands: {
    config: () => import("./config").then((m) => m.default),
    "echo-agent": () => import("./echo-agent").then((m) => m.default),
    exits: () => import("./exits").then((m) => m.default),
  },
});

await runCli(main, process.argv.slice(2));
