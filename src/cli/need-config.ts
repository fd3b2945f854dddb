import { type Config, loadConfig } from "../core/config";
import { usageError } from "./exit-codes";

/** Load the configuration for a command; a bad IAPEER_* value is bad input (exit 2). */
export function requireConfig(): Config {
  const config = loadConfig();
  if (!config.ok) throw usageError(config.error);
  return config.value;
}
