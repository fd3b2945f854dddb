import { consola, LogLevels } from "consola";

// consola goes quiet under NODE_ENV=test or CI; a CLI's own messages must not.
consola.level = LogLevels.info;

export { consola };
