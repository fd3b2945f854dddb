/**
 * The text of a `tmux` wrapper that holds one moment of a delivery open for 3 s: before the
 * named command runs, or after it ran but before its caller hears so. It touches `marker` when
 * the hold begins. It works both ways the daemon reaches tmux: a spawned command (its argv
 * names the command), and a control connection (`-C`), where it relays the command lines and
 * the answers, holding the line that names the command, or its `%end`.
 */
export function heldTmux(
  real: string,
  command: string,
  when: "before" | "after",
  marker: string,
): string {
  return `#!${process.execPath}
const real = ${JSON.stringify(real)};
const marker = ${JSON.stringify(marker)};
const when = ${JSON.stringify(when)};
const named = ${JSON.stringify(command)};
const hold = async () => {
  await Bun.write(marker, "");
  await Bun.sleep(3000);
};
const args = process.argv.slice(2);
if (!args.includes("-C")) {
  const hit = args.includes(named);
  if (hit && when === "before") await hold();
  const proc = Bun.spawn([real, ...args], { stdio: ["inherit", "inherit", "inherit"] });
  const code = await proc.exited;
  if (hit && when === "after") await hold();
  process.exit(code);
}
const proc = Bun.spawn([real, ...args], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
// Whether each command sent names the one held, in order; the attach answers first.
const sent = [false];
const lines = async function* (stream) {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    for (let end = pending.indexOf("\\n"); end >= 0; end = pending.indexOf("\\n")) {
      yield pending.slice(0, end);
      pending = pending.slice(end + 1);
    }
  }
};
(async () => {
  for await (const line of lines(Bun.stdin.stream())) {
    const hit = line.includes(JSON.stringify(named));
    if (hit && when === "before") await hold();
    sent.push(hit);
    proc.stdin.write(line + "\\n");
    proc.stdin.flush();
  }
  proc.stdin.end();
})();
let inBlock = false;
for await (const line of lines(proc.stdout)) {
  if (!inBlock && /^%begin \\d+ \\d+ \\d+$/.test(line)) inBlock = true;
  else if (inBlock && /^%(end|error) \\d+ \\d+ \\d+$/.test(line)) {
    inBlock = false;
    if (sent.shift() && when === "after") await hold();
  }
  process.stdout.write(line + "\\n");
}
process.exit(await proc.exited);
`;
}
