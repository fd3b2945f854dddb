import { consola, LogLevels } from "consola";

// consola goes quiet under NODE_ENV=test or CI; a CLI's own messages must not.
consola.level = LogLevels.info;
// Its messages (progress, what was done, hints) are for the person: stderr, always. stdout
// carries only what a command answers (a table, JSON), so `2>/dev/null` and pipes see only that.
consola.options.stdout = process.stderr;

export { consola };
