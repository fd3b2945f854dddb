/**
 * What `--help` shows below citty's usage: a few lines to copy for each command (citty has no
 * place for them), and the exit codes of the commands whose codes say more than done or not.
 * Keyed by the command's words; a test holds every command to having its examples.
 */
const EXAMPLES: Record<string, string[]> = {
  demo: ["iapeer demo", "iapeer demo --rounds 5"],
  create: [
    "iapeer create reviewer --runtime claude --description 'Reviews pull requests'",
    "iapeer create sh --runtime command --command bash --prompt '/\\S+[$#] /' --format text",
    "iapeer create bot --runtime echo --always-on",
  ],
  init: [
    "cd ~/src/api && iapeer init --runtime claude",
    "iapeer init ~/src/web --runtime codex --name web",
  ],
  set: [
    "iapeer set reviewer description='Reviews Go code'",
    "iapeer set reviewer accepts-from=human,lead",
  ],
  edit: ["iapeer edit reviewer", "EDITOR='code --wait' iapeer edit reviewer"],
  up: ["iapeer up", "iapeer up fleet.toml --prune"],
  down: ["iapeer down", "iapeer down fleet.toml"],
  list: ["iapeer list", "iapeer list --json", "iapeer ls --names"],
  status: ["iapeer status", "iapeer status reviewer", "iapeer status all --json"],
  send: [
    "iapeer send reviewer -m 'Please review PR 42'",
    "git diff | iapeer send reviewer --topic diff -",
    "iapeer send reviewer --message-file notes.md --no-wait",
    "iapeer send reviewer -m 'Is PR 42 safe to merge?' --wait answered",
  ],
  message: ["iapeer message m_mx7v0cnn_c6d7ccca963c64db", "iapeer message <id> --follow --json"],
  approvals: ["iapeer approvals", "iapeer approvals --json"],
  approve: [
    "iapeer approve reviewer",
    "iapeer approve reviewer 'No, keep it'",
    "iapeer approve reviewer 2",
  ],
  deny: ["iapeer deny reviewer"],
  hook: ["iapeer hook claude < event.json   # what an agent's hooks run"],
  wake: ["iapeer wake reviewer", "iapeer wake all"],
  start: ["iapeer start reviewer", "iapeer start all"],
  stop: ["iapeer stop reviewer", "iapeer stop all"],
  restart: ["iapeer restart reviewer", "iapeer restart reviewer --runtime codex"],
  attach: ["iapeer attach reviewer", "(detach with Ctrl-b d: the peer keeps running)"],
  logs: [
    "iapeer logs",
    "iapeer logs reviewer --lines 50",
    "iapeer logs -f --peer a --peer b --since 10m",
    "iapeer logs reviewer -f --timestamps",
    "iapeer logs --json | jq -r 'select(.peer == \"ana\") | .line'",
  ],
  monitor: ["iapeer monitor", "iapeer top --interval 5", "NO_COLOR=1 iapeer monitor"],
  events: ["iapeer events --since 1h", "iapeer events --follow --peer reviewer --json"],
  exits: ["iapeer exits", "iapeer exits reviewer --since 1h --json", "iapeer exits -f"],
  remove: ["iapeer remove reviewer", "iapeer rm all --yes"],
  verify: ["iapeer verify", "iapeer verify --fix"],
  doctor: ["iapeer doctor", "iapeer doctor --json"],
  selftest: ["iapeer selftest"],
  daemon: ["iapeer daemon status", "iapeer daemon restart"],
  "daemon start": ["iapeer daemon start"],
  "daemon stop": ["iapeer daemon stop"],
  "daemon restart": ["iapeer daemon restart"],
  "daemon status": ["iapeer daemon status --json"],
  ui: ["iapeer ui", "iapeer ui --no-open"],
  service: ["iapeer service install --daemon", "iapeer service status --peer bot"],
  "service install": [
    "iapeer service install --daemon",
    "iapeer service install --peer bot --print",
  ],
  "service uninstall": ["iapeer service uninstall --daemon", "iapeer service uninstall --peer bot"],
  "service status": ["iapeer service status --daemon", "iapeer service status --peer bot --json"],
  "run-always-on": ["iapeer run-always-on echo-bot   # what launchd/systemd run"],
  config: ["iapeer config", "IAPEER_IDLE_SECS=600 iapeer config --json"],
  "echo-agent": ["iapeer echo-agent --reply   # what the echo runtime runs"],
  "telegram-bridge": ["iapeer telegram-bridge --peer tg   # what the telegram runtime runs"],
  completion: [
    "source <(iapeer completion bash)",
    "iapeer completion fish > ~/.config/fish/completions/iapeer.fish",
  ],
};

const EXIT_CODES: Record<string, string[]> = {
  send: [
    "0   delivered: typed in and confirmed",
    "1   refused or failed (no such peer, a stopped peer, a policy, the daemon)",
    "2   bad usage or input: nothing was sent",
    "10  queued: accepted and stored, not yet delivered",
    "11  unconfirmed: typed in, its landing not confirmed",
  ],
  status: [
    "0   running (or the host's summary)",
    "1   failed",
    "2   bad usage",
    "3   not running",
    "4   no such peer",
  ],
  "service status": [
    "0   running (under IAPEER_SERVICE_MANAGER=none: installed)",
    "1   failed",
    "2   bad usage",
    "3   installed, not running",
    "4   not installed",
  ],
};

/** The EXAMPLES (and EXIT CODES) sections of a command's help, or "" when it has none. */
export function helpExtras(path: string[]): string {
  const key = path.join(" ");
  const sections: string[] = [];
  const examples = EXAMPLES[key];
  if (examples) sections.push(`EXAMPLES\n\n${examples.map((e) => `  ${e}`).join("\n")}`);
  const codes = EXIT_CODES[key];
  if (codes) sections.push(`EXIT CODES\n\n${codes.map((c) => `  ${c}`).join("\n")}`);
  return sections.length === 0 ? "" : `\n${sections.join("\n\n")}\n`;
}
