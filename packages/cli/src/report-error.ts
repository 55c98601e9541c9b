/**
 * What a user sees when a command fails: one line on standard error and an exit code. Invalid
 * configuration exits 2 with the configuration's own message (it names every bad setting);
 * everything else exits 1 as `error: CODE: message`. No stack traces: an unexpected error says
 * so and how to see more.
 */
import type { Writable } from "node:stream";
import { ConfigError, SynapseError } from "@synapse/core";

/** Exit code of invalid configuration. */
export const EXIT_CONFIG = 2;
/** Exit code of any other failure. */
export const EXIT_FAILURE = 1;

/** Writes the message for `err` to `stderr` and returns the exit code. */
export function reportError(err: unknown, stderr: Writable, env: NodeJS.ProcessEnv = process.env): number {
  if (err instanceof ConfigError) {
    stderr.write(`${err.message}\n`);
    return EXIT_CONFIG;
  }
  if (err instanceof SynapseError) {
    stderr.write(`error: ${err.code}: ${err.message}\n`);
    return EXIT_FAILURE;
  }
  const debug = env.SYNAPSE_LOG_LEVEL === "debug" || env.SYNAPSE_LOG_LEVEL === "trace";
  stderr.write(
    debug && err instanceof Error
      ? `error: INTERNAL: ${err.stack ?? err.message}\n`
      : "error: INTERNAL: Unexpected error (set SYNAPSE_LOG_LEVEL=debug to see it).\n",
  );
  return EXIT_FAILURE;
}
