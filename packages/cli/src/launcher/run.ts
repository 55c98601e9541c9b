/**
 * Runs a launcher in the foreground, as `synapse up` and `synapse services` do: starts the
 * children, prints where they listen, and on SIGINT (Ctrl-C), SIGTERM or SIGHUP stops them all
 * and resolves with exit code 0. A second signal kills the children at once.
 */
import type { Writable } from "node:stream";
import { type Config, createLogger, type Logger } from "@synapse/core";
import type { ChildSpec } from "./child-spec.js";
import { Launcher, type LauncherOptions, launcherSettings } from "./launcher.js";
import { formatReadyTable } from "./ready-table.js";

const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export interface RunLauncherOptions {
  /** Where the table goes. Defaults to process.stdout. */
  stdout?: Writable;
  logger?: Logger;
  /** Test hooks and overrides passed on to the Launcher. */
  launcher?: Partial<LauncherOptions>;
}

/**
 * Resolves with the exit code once everything has stopped after a signal; rejects (after
 * stopping everything) when a child fails to start.
 */
export async function runLauncher(
  specs: readonly ChildSpec[],
  config: Config,
  options: RunLauncherOptions = {},
): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const logger = options.logger ?? createLogger({ name: "launcher", ...config.log });
  const launcher = new Launcher(specs, {
    ...launcherSettings(config),
    logger,
    childLogger: (name) => createLogger({ name, ...config.log }),
    ...options.launcher,
  });

  let signalled = false;
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    onSignal = (signal) => {
      if (signalled) {
        logger.warn({ signal }, "second signal: killing every process now");
        launcher.kill();
        return;
      }
      signalled = true;
      logger.info({ signal }, `${signal}: stopping ${specs.length} process(es)`);
      void launcher.stop().then(resolve);
    };
  });
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  try {
    try {
      const children = await launcher.start();
      stdout.write(formatReadyTable(children, config.host));
      logger.info(`${children.length} process(es) up; Ctrl-C stops them`);
    } catch (err) {
      // Stopped by a signal while starting: that is a clean stop, not a failure.
      if (!signalled) throw err;
    }
    await stopped;
    logger.info("stopped");
    return 0;
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}
