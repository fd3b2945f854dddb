import { consola } from "./log";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Show progress on stderr while `work` runs: an animated line on a terminal, one "start" line
 * otherwise (logs and CI stay clean).
 */
export async function withSpinner<T>(text: string, work: () => Promise<T>): Promise<T> {
  if (!process.stderr.isTTY) {
    consola.start(text);
    return work();
  }
  const started = Date.now();
  let frame = 0;
  const draw = () => {
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`\r\u001b[K${FRAMES[frame++ % FRAMES.length]} ${text} ${secs}s`);
  };
  draw();
  const timer = setInterval(draw, 80);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    process.stderr.write("\r\u001b[K");
  }
}
