/**
 * The entry point of an agent service process (what `synapse` starts for each replica): loads the
 * configuration, runs the service, and shuts it down gracefully on SIGTERM/SIGINT (or when the
 * parent that started it over IPC goes away).
 */
import {
  AGENTS,
  type AgentName,
  ConfigError,
  createLogger,
  isAgent,
  type Logger,
  loadConfig,
} from "@synapse/core";
import { type RunningService, runService } from "./run-service.js";

/**
 * Runs replica `replica` of `agent` until a signal stops it; then exits 0 after draining.
 * Invalid configuration (or an unknown agent) prints the problem to stderr and exits 2; a port
 * that cannot be bound exits 1. A second signal during the drain exits 1 at once.
 */
export async function startServiceProcess(agent: string, replica: number): Promise<void> {
  const checked = checkArgs(agent, replica);
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  let logger: Logger;
  try {
    logger = createLogger({ name: `${checked}#${replica}`, ...config.log });
  } catch (err) {
    // Pretty logs load pino-pretty on demand: a missing package is said plainly, not a stack trace.
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  process.on("uncaughtException", (err) => fatal(logger, err, "uncaught exception"));
  process.on("unhandledRejection", (err) => fatal(logger, err, "unhandled rejection"));

  let started: Promise<RunningService | undefined> | undefined;
  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) {
      logger.warn(`${why} again: exiting without waiting for the drain`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`${why}: shutting down`);
    void (started ?? Promise.resolve(undefined))
      .then((running) => running?.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => fatal(logger, err, "shutdown failed"),
      );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  // Started by a launcher over IPC: when it goes away, so does this process (no orphans).
  if (process.send) process.on("disconnect", () => shutdown("parent disconnected"));

  started = runService({ agent: checked, replica, config, logger }).catch((err: unknown) => {
    logger.error((err as Error).message);
    process.exit(1);
  });
  await started;
}

function checkArgs(agent: string, replica: number): AgentName {
  if (!isAgent(agent)) {
    process.stderr.write(`Unknown agent "${agent}". Agents: ${AGENTS.join(", ")}.\n`);
    process.exit(2);
  }
  if (!Number.isSafeInteger(replica) || replica < 0) {
    process.stderr.write(`Invalid replica "${replica}": give a whole number of 0 or more.\n`);
    process.exit(2);
  }
  return agent;
}

function fatal(logger: Logger, err: unknown, what: string): never {
  logger.fatal({ err }, what);
  process.exit(1);
}
