import type { ConsolaInstance } from "consola";

let made: ConsolaInstance | undefined;

/** consola, set up on first use: loading it costs every command ~10 ms, and many never speak. */
function instance(): ConsolaInstance {
  if (made) return made;
  const { consola: c, LogLevels } = require("consola") as typeof import("consola");
  // consola goes quiet under NODE_ENV=test or CI; a CLI's own messages must not.
  c.level = LogLevels.info;
  // Its messages (progress, what was done, hints) are for the person: stderr, always. stdout
  // carries only what a command answers (a table, JSON), so `2>/dev/null` and pipes see only that.
  c.options.stdout = process.stderr;
  made = c;
  return c;
}

export const consola: ConsolaInstance = new Proxy({} as ConsolaInstance, {
  get(_, key) {
    const c = instance();
    const value = Reflect.get(c, key, c);
    return typeof value === "function" ? value.bind(c) : value;
  },
});
